import PluginAPI

/// Swift access to the `pp_host` services of one call. Valid only during that call, on its thread.
public struct HostProxy {
    private let raw: UnsafePointer<pp_host>?

    init(_ raw: UnsafePointer<pp_host>?) {
        self.raw = raw
    }

    /// The `PP_GRANT_*` bits of this call.
    public var granted: UInt32 { raw?.pointee.granted ?? 0 }

    /// Writes a log record (`PP_LOG_*` level).
    public func log(_ level: Int32, _ message: String) {
        guard let raw, let log = raw.pointee.log else { return }
        var message = message
        message.withUTF8 { log(raw, level, UnsafeRawPointer($0.baseAddress)?.assumingMemoryBound(to: CChar.self), UInt64($0.count)) }
    }

    /// Reports one progress line.
    public func progress(_ line: String) {
        guard let raw, let progress = raw.pointee.progress else { return }
        var line = line
        line.withUTF8 { progress(raw, UnsafeRawPointer($0.baseAddress)?.assumingMemoryBound(to: CChar.self), UInt64($0.count)) }
    }

    /// True once the run has been cancelled.
    public var isCancelled: Bool {
        guard let raw, let isCancelled = raw.pointee.is_cancelled else { return true }
        return isCancelled(raw) != 0
    }
}
