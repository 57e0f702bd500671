import PluginAPI

/// A plugin-side `pp_sink` that collects what a host callback writes (command output, a file,
/// an HTTP response body).
final class SinkBuffer {
    private(set) var bytes: [UInt8] = []

    func withSink<Result>(_ body: (UnsafePointer<pp_sink>) -> Result) -> Result {
        var sink = pp_sink(
            struct_size: UInt32(MemoryLayout<pp_sink>.size),
            context: Unmanaged.passUnretained(self).toOpaque(),
            write: { sink, data, size in
                guard let sink, let context = sink.pointee.context else { return PP_INVALID }
                let buffer = Unmanaged<SinkBuffer>.fromOpaque(context).takeUnretainedValue()
                if let data, size > 0 { buffer.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(size))) }
                return PP_OK
            })
        return withUnsafePointer(to: &sink) { body($0) }
    }
}
