import PluginAPI

/// A plugin function's view of one `pp_call`: its config and input, its output, and the host's
/// services. Valid only during the call it wraps.
public struct PluginCall {
    private let raw: UnsafePointer<pp_call>

    /// Wraps the call a host passed in.
    public init(_ raw: UnsafePointer<pp_call>) {
        self.raw = raw
    }

    /// The plugin's configuration from the pipeline (JSON).
    public var config: [UInt8] { Self.bytes(raw.pointee.config) }

    /// The phase's input (JSON), copied out of the host's buffer.
    public var input: [UInt8] { Self.bytes(raw.pointee.input) }

    /// Runs `body` with the phase's input where the host holds it, without a copy (some
    /// megabytes for a desired state of 10,000 hosts). Valid only during `body`.
    public func withInput<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        let input = raw.pointee.input
        guard let data = input.data, input.size > 0 else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeRawBufferPointer(start: data, count: Int(input.size)))
    }

    /// The host's services for this call.
    public var host: HostProxy { HostProxy(raw.pointee.host) }

    /// Appends bytes to the call's output.
    @discardableResult
    public func write<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Int32 {
        Self.write(bytes, to: raw.pointee.output)
    }

    /// Writes `message` as the call's error and returns `PP_FAILED`.
    public func fail(_ message: String) -> Int32 {
        Self.write(Array(message.utf8), to: raw.pointee.error)
        return PP_FAILED
    }

    /// Runs `body` and turns its result into an ABI status: a thrown error becomes `PP_FAILED`
    /// with the error's description as the message. Nothing unwinds across the boundary.
    public static func handle(_ raw: UnsafePointer<pp_call>?, _ body: (PluginCall) throws -> Int32) -> Int32 {
        guard let raw else { return PP_INVALID }
        let call = PluginCall(raw)
        do {
            return try body(call)
        } catch {
            return call.fail(String(describing: error))
        }
    }

    static func bytes(_ buffer: pp_bytes) -> [UInt8] {
        guard let data = buffer.data, buffer.size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: Int(buffer.size)))
    }

    @discardableResult
    static func write<Bytes: Collection<UInt8>>(_ bytes: Bytes, to sink: UnsafePointer<pp_sink>?) -> Int32 {
        guard let sink, let write = sink.pointee.write else { return PP_INVALID }
        let status = bytes.withContiguousStorageIfAvailable { buffer in
            write(sink, buffer.baseAddress, UInt64(buffer.count))
        }
        if let status { return status }
        let copy = Array(bytes)
        return copy.withUnsafeBufferPointer { write(sink, $0.baseAddress, UInt64($0.count)) }
    }
}
