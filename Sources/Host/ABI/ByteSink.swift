import Glibc
import PluginAPI

/// A host-owned output buffer handed to a plugin as a `pp_sink`: the plugin appends, the sink
/// copies, and the host reads the bytes after the call. Writes beyond `limit` are refused with
/// `PP_TOO_LARGE` and remembered in `overflowed`.
final class ByteSink {
    private(set) var bytes: [UInt8] = []
    private(set) var overflowed = false
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// The bytes as UTF-8 text, invalid sequences repaired.
    var text: String { String(decoding: bytes, as: UTF8.self) }

    func append(_ data: UnsafeRawBufferPointer) -> Int32 {
        guard bytes.count + data.count <= limit else {
            overflowed = true
            return PP_TOO_LARGE
        }
        bytes.append(contentsOf: data)
        return PP_OK
    }

    /// Calls `body` with a `pp_sink` that writes into this buffer. The pointer is valid only
    /// inside `body`.
    func withCSink<Result>(_ body: (UnsafePointer<pp_sink>) throws -> Result) rethrows -> Result {
        var sink = pp_sink(
            struct_size: UInt32(MemoryLayout<pp_sink>.size),
            context: Unmanaged.passUnretained(self).toOpaque(),
            write: { sink, data, size in
                guard let sink, let context = sink.pointee.context else { return PP_INVALID }
                let owner = Unmanaged<ByteSink>.fromOpaque(context).takeUnretainedValue()
                guard size > 0 else { return PP_OK }
                guard let data, size <= UInt64(Int.max) else { return PP_INVALID }
                return owner.append(UnsafeRawBufferPointer(start: data, count: Int(size)))
            }
        )
        return try withUnsafePointer(to: &sink) { try body($0) }
    }
}
