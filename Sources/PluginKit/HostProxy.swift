import Glibc
import PluginAPI

/// Swift access to the `pp_host` services of one call. Valid only during that call, on its thread.
public struct HostProxy {
    private let raw: UnsafePointer<pp_host>?

    public init(_ raw: UnsafePointer<pp_host>?) {
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

extension HostProxy {
    /// What a command printed and how it ended.
    public struct CommandOutput {
        /// PP_OK, PP_DENIED, PP_FAILED, ...
        public var status: Int32
        public var exitStatus: Int32
        public var standardOutput: [UInt8]
        public var standardError: [UInt8]
    }

    /// Runs an argument vector on the target (`probe`: it only observes, so it may run while
    /// planning).
    public func run(_ argv: [String], input: [UInt8] = [], probe: Bool = false, quiet: Bool = false) -> CommandOutput {
        guard let raw, let run = raw.pointee.run else {
            return CommandOutput(status: PP_INVALID, exitStatus: -1, standardOutput: [], standardError: [])
        }
        let output = SinkBuffer(), errors = SinkBuffer()
        var exitStatus: Int32 = -1
        let flags = (probe ? UInt32(PP_RUN_PROBE) : 0) | (quiet ? UInt32(PP_RUN_QUIET) : 0)
        let arguments = argv.map { strdup($0) }
        defer { arguments.forEach { free($0) } }
        let status = arguments.map { UnsafePointer($0) }.withUnsafeBufferPointer { argvBuffer in
            input.withUnsafeBufferPointer { inputBuffer in
                output.withSink { outputSink in
                    errors.withSink { errorSink in
                        var command = pp_command(
                            struct_size: UInt32(MemoryLayout<pp_command>.size), argc: UInt32(argv.count),
                            argv: argvBuffer.baseAddress,
                            standard_input: pp_bytes(data: inputBuffer.baseAddress, size: UInt64(inputBuffer.count)),
                            flags: flags, timeout_ms: 0)
                        return run(raw, &command, outputSink, errorSink, &exitStatus)
                    }
                }
            }
        }
        return CommandOutput(status: status, exitStatus: exitStatus, standardOutput: output.bytes, standardError: errors.bytes)
    }

    /// The whole content of a file of the target; nil when it does not exist or cannot be read.
    public func readFile(_ path: String) -> [UInt8]? {
        guard let raw, let readFile = raw.pointee.read_file else { return nil }
        let content = SinkBuffer()
        var path = path
        let status = path.withUTF8 { path in
            content.withSink { sink in
                readFile(raw, UnsafeRawPointer(path.baseAddress)?.assumingMemoryBound(to: CChar.self), UInt64(path.count), sink)
            }
        }
        return status == PP_OK ? content.bytes : nil
    }

    /// What was written to a file of the target since the previous call for the same path in
    /// this process, at most `limit` bytes (the rest comes next time), following it across
    /// rolls as `tail -F` does; the first call starts at the file's end and hands out nothing.
    /// Nil while the file does not exist; the failure's status when it cannot be followed.
    public func followFile(_ path: String, upTo limit: Int) -> Result<[UInt8]?, HostStatus> {
        guard let raw, let follow = raw.pointee.follow_file else { return .failure(HostStatus(PP_INVALID)) }
        let content = SinkBuffer()
        var path = path
        let status = path.withUTF8 { path in
            content.withSink { sink in
                follow(raw, UnsafeRawPointer(path.baseAddress)?.assumingMemoryBound(to: CChar.self), UInt64(path.count), UInt64(limit), sink)
            }
        }
        switch status {
        case PP_OK: return .success(content.bytes)
        case PP_NOT_FOUND: return .success(nil)
        default: return .failure(HostStatus(status))
        }
    }

    /// Replaces a file of the target atomically with `contents` and permission bits `mode`
    /// (e.g. `0o644`), creating missing parent folders. Needs `PP_GRANT_WRITE` (apply and
    /// rollback). Returns `PP_OK`, `PP_DENIED`, `PP_INVALID` or `PP_FAILED`.
    public func writeFile(_ path: String, _ contents: [UInt8], mode: UInt32) -> Int32 {
        guard let raw, let writeFile = raw.pointee.write_file else { return PP_FAILED }
        var path = path
        return path.withUTF8 { path in
            contents.withUnsafeBufferPointer { contents in
                writeFile(
                    raw, UnsafeRawPointer(path.baseAddress)?.assumingMemoryBound(to: CChar.self), UInt64(path.count),
                    pp_bytes(data: contents.baseAddress, size: UInt64(contents.count)), mode)
            }
        }
    }

    /// Removes a file of the target. Needs `PP_GRANT_WRITE`. Returns `PP_OK`, `PP_NOT_FOUND`
    /// when it was absent, `PP_DENIED` or `PP_FAILED`.
    public func removeFile(_ path: String) -> Int32 {
        guard let raw, let removeFile = raw.pointee.remove_file else { return PP_FAILED }
        var path = path
        return path.withUTF8 { path in
            removeFile(raw, UnsafeRawPointer(path.baseAddress)?.assumingMemoryBound(to: CChar.self), UInt64(path.count))
        }
    }

    /// An HTTP response from a service on a unix socket of the target.
    public struct HTTPAnswer {
        /// PP_OK, PP_DENIED, PP_FAILED, ...
        public var status: Int32
        public var httpStatus: Int32
        public var body: [UInt8]
    }

    /// Sends an HTTP request to a unix socket of the target (GET and HEAD work while planning).
    /// A body over 64 MiB fails the request; read larger ones with ``stream(socket:path:onBody:)``.
    public func http(socket: String, method: String, path: String, contentType: String? = nil, body: [UInt8] = []) -> HTTPAnswer {
        let response = SinkBuffer()
        let (status, httpStatus) = response.withSink { sink in
            send(socket: socket, method: method, path: path, contentType: contentType, body: body, to: sink)
        }
        return HTTPAnswer(status: status, httpStatus: httpStatus, body: response.bytes)
    }

    /// Sends a GET to a unix socket of the target and hands the response body to `onBody` piece
    /// by piece as it arrives, so it is never held whole; `onBody` returns false to stop.
    /// Returns the call's status and the HTTP status.
    public func stream(socket: String, path: String, onBody: @escaping (UnsafeBufferPointer<UInt8>) -> Bool) -> (status: Int32, httpStatus: Int32) {
        SinkReader(onBody).withSink { sink in send(socket: socket, method: "GET", path: path, contentType: nil, body: [], to: sink) }
    }

    /// Sends a GET to a unix socket of the target and returns once it is sent, without waiting
    /// for the answer, which ``answer(_:onBody:)`` reads in this call or in a later call of the
    /// same step within the same run (a plan begins what its apply reads); the host closes it
    /// unread when the step is over. Returns the request's number, or the call's status when it
    /// could not be sent (`PP_DENIED`, `PP_FAILED`: the target cannot begin requests).
    public func begin(socket: String, path: String) -> Result<UInt64, HostStatus> {
        guard let raw, let begin = raw.pointee.http_begin else { return .failure(HostStatus(PP_INVALID)) }
        var id: UInt64 = 0
        let status = withRequest(socket: socket, method: "GET", path: path, contentType: nil, body: []) { request in
            begin(raw, request, &id)
        }
        return status == PP_OK ? .success(id) : .failure(HostStatus(status))
    }

    /// Reads the answer to request `id` (``begin(socket:path:)``), handing its body to `onBody`
    /// piece by piece as it arrives (`onBody` returns false to stop); `PP_NOT_FOUND` when this
    /// step holds no such request. Returns the call's status and the HTTP status.
    public func answer(_ id: UInt64, onBody: @escaping (UnsafeBufferPointer<UInt8>) -> Bool) -> (status: Int32, httpStatus: Int32) {
        guard let raw, let answer = raw.pointee.http_answer else { return (PP_INVALID, 0) }
        var httpStatus: Int32 = 0
        let status = SinkReader(onBody).withSink { sink in answer(raw, id, sink, &httpStatus) }
        return (status, httpStatus)
    }

    /// Closes request `id` (``begin(socket:path:)``) without reading its answer.
    public func closeUnread(_ id: UInt64) {
        guard let raw, let answer = raw.pointee.http_answer else { return }
        _ = answer(raw, id, nil, nil)
    }

    private func send(
        socket: String, method: String, path: String, contentType: String?, body: [UInt8], to sink: UnsafePointer<pp_sink>
    ) -> (Int32, Int32) {
        guard let raw, let http = raw.pointee.http else { return (PP_INVALID, 0) }
        var httpStatus: Int32 = 0
        let status = withRequest(socket: socket, method: method, path: path, contentType: contentType, body: body) { request in
            http(raw, request, sink, &httpStatus)
        }
        return (status, httpStatus)
    }

    private func withRequest(
        socket: String, method: String, path: String, contentType: String?, body: [UInt8], _ send: (UnsafePointer<pp_http_request>) -> Int32
    ) -> Int32 {
        socket.withCString { socket in
            method.withCString { method in
                path.withCString { path in
                    withOptionalCString(contentType) { contentType in
                        body.withUnsafeBufferPointer { bodyBuffer in
                            var request = pp_http_request(
                                struct_size: UInt32(MemoryLayout<pp_http_request>.size), socket_path: socket,
                                method: method, path: path, content_type: contentType,
                                body: pp_bytes(data: bodyBuffer.baseAddress, size: UInt64(bodyBuffer.count)), timeout_ms: 0)
                            return send(&request)
                        }
                    }
                }
            }
        }
    }
}

/// A status the host answered instead of a result.
public struct HostStatus: Error, Equatable {
    public var code: Int32
    public init(_ code: Int32) { self.code = code }
}

private func withOptionalCString<Result>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> Result) -> Result {
    guard let text else { return body(nil) }
    return text.withCString { body($0) }
}
