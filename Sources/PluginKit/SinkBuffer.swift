import PluginAPI

/// A plugin-side `pp_sink` that collects what a host callback writes (command output, a file,
/// an HTTP response body), up to 64 MiB; a write beyond that is refused with `PP_FAILED`.
/// For calling a `pp_host` service that ``HostProxy`` does not wrap: pass the sink `withSink`
/// gives, then read ``bytes``.
public final class SinkBuffer {
    public private(set) var bytes: [UInt8] = []
    public static let limit = 64 << 20

    public init() {}

    /// Calls `body` with a sink that appends to ``bytes``; valid only inside `body`.
    public func withSink<Result>(_ body: (UnsafePointer<pp_sink>) -> Result) -> Result {
        let reader = SinkReader { [self] piece in
            guard bytes.count + piece.count <= Self.limit else { return false }
            bytes.append(contentsOf: piece)
            return true
        }
        return reader.withSink(body)
    }
}

/// A plugin-side `pp_sink` that hands each piece the host writes to a closure as it arrives (a
/// large HTTP response body read as a stream). The closure returns false to refuse a piece,
/// which the host sees as `PP_FAILED` and stops.
public final class SinkReader {
    private let onPiece: (UnsafeBufferPointer<UInt8>) -> Bool

    public init(_ onPiece: @escaping (UnsafeBufferPointer<UInt8>) -> Bool) {
        self.onPiece = onPiece
    }

    /// Calls `body` with a sink that hands each piece to the closure; valid only inside `body`.
    public func withSink<Result>(_ body: (UnsafePointer<pp_sink>) -> Result) -> Result {
        var sink = pp_sink(
            struct_size: UInt32(MemoryLayout<pp_sink>.size),
            context: Unmanaged.passUnretained(self).toOpaque(),
            write: { sink, data, size in
                guard let sink, let context = sink.pointee.context else { return PP_INVALID }
                let reader = Unmanaged<SinkReader>.fromOpaque(context).takeUnretainedValue()
                guard let data, size > 0 else { return PP_OK }
                return reader.onPiece(UnsafeBufferPointer(start: data, count: Int(size))) ? PP_OK : PP_FAILED
            })
        return withExtendedLifetime(self) { withUnsafePointer(to: &sink) { body($0) } }
    }
}
