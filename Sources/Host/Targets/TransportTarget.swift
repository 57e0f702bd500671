import Glibc
import JSONCore
import PluginAPI
import Synchronization

/// A remote machine reached through a transport plugin (`posternproxy.transport/1`, the SSH
/// transport): the plugin's session holds the connection and the credentials; this target
/// forwards commands and file operations to it, one at a time, and streams output lines as they
/// arrive. The session is closed exactly once, by ``close()`` or when the target goes away.
public final class TransportTarget: Target, @unchecked Sendable {
    public let name: String
    /// What the transport said when it opened (`{"host_key": "SHA256:..."}` for SSH).
    public let openAnswer: JSON
    private let table: pp_transport_v1
    /// The plugin's session; nil once closed. The lock also keeps calls one at a time, as the
    /// ABI requires.
    private let session: Mutex<Session>

    /// The plugin's session pointer; only used with the lock held.
    private struct Session: @unchecked Sendable {
        var pointer: UnsafeMutableRawPointer?
    }
    private let onLog: @Sendable (PluginLogRecord) -> Void

    /// Opens a session with `plugin`'s transport. `request` is the transport's open JSON
    /// (for SSH: host, port, user, password or private_key, known_host_key).
    public static func open(
        plugin: LoadedPlugin, name: String, request: [UInt8], isCancelled: @escaping @Sendable () -> Bool = { false },
        onLog: @escaping @Sendable (PluginLogRecord) -> Void = { _ in }
    ) throws(TargetError) -> TransportTarget {
        guard let table = plugin.interface(PP_INTERFACE_TRANSPORT, as: pp_transport_v1.self)?.pointee, let open = table.open else {
            throw .invalid("\(plugin.id) is not a transport")
        }
        let services = HostServices(grants: [], target: nil, isCancelled: isCancelled, onLog: onLog, onProgress: { _ in })
        var session: UnsafeMutableRawPointer?
        let output = ByteSink(limit: 64 << 10)
        let error = ByteSink(limit: 64 << 10)
        let status = request.withUnsafeBytes { input in
            output.withCSink { outputSink in
                error.withCSink { errorSink in
                    services.withCHost { host in
                        var call = pp_call(
                            struct_size: UInt32(MemoryLayout<pp_call>.size), host: host, config: pp_bytes(data: nil, size: 0),
                            input: pp_bytes(input), output: outputSink, error: errorSink)
                        return open(&call, &session)
                    }
                }
            }
        }
        guard status == PP_OK, let session else {
            if status == PP_CANCELLED { throw .cancelled }
            throw .failed(error.text.isEmpty ? "\(plugin.id) could not open a session (status \(status))" : error.text)
        }
        let answer = (try? JSONParser.parse(output.bytes)) ?? .object([])
        return TransportTarget(name: name, table: table, session: session, answer: answer, onLog: onLog)
    }

    private init(
        name: String, table: pp_transport_v1, session: UnsafeMutableRawPointer, answer: JSON,
        onLog: @escaping @Sendable (PluginLogRecord) -> Void
    ) {
        self.name = name
        self.table = table
        self.session = Mutex(Session(pointer: session))
        openAnswer = answer
        self.onLog = onLog
    }

    deinit { close() }

    /// Closes the session; later calls fail.
    public func close() {
        session.withLock { session in
            if let pointer = session.pointer { table.close?(pointer) }
            session.pointer = nil
        }
    }

    public func run(
        _ command: TargetCommand, onLine: @escaping @Sendable (OutputLine) -> Void,
        isCancelled: @escaping @Sendable () -> Bool
    ) throws(TargetError) -> CommandResult {
        guard !command.argv.isEmpty else { throw .invalid("empty argv") }
        guard let run = table.run else { throw .invalid("the transport cannot run commands") }
        let output = LineSink(limit: command.outputLimit, stream: .standardOutput, onLine: onLine)
        let errors = LineSink(limit: command.outputLimit, stream: .standardError, onLine: onLine)
        var exitStatus: Int32 = 0
        let status = try withSession(isCancelled: isCancelled) { session, host in
            withArgv(command.argv) { argv in
                command.standardInput.withUnsafeBytes { input in
                    output.withCSink { outputSink in
                        errors.withCSink { errorSink in
                            var request = pp_command(
                                struct_size: UInt32(MemoryLayout<pp_command>.size), argc: UInt32(command.argv.count), argv: argv,
                                standard_input: pp_bytes(input), flags: 0,
                                timeout_ms: UInt32(min(Double(UInt32.max), max(1, command.timeout / .milliseconds(1)))))
                            return run(session, host, &request, outputSink, errorSink, &exitStatus)
                        }
                    }
                }
            }
        }
        output.finish()
        errors.finish()
        guard status == PP_OK else { throw Self.error(status, "\(command.argv[0]) on \(name)") }
        return CommandResult(
            exitStatus: exitStatus, standardOutput: output.bytes, standardError: errors.bytes,
            truncated: output.overflowed || errors.overflowed)
    }

    public func readFile(_ path: String) throws(TargetError) -> [UInt8]? {
        guard let read = table.read_file else { throw .invalid("the transport cannot read files") }
        let content = ByteSink(limit: 256 << 20)
        let status = try withSession(isCancelled: { false }) { session, host in
            content.withCSink { sink in path.withCString { read(session, host, $0, UInt64(path.utf8.count), sink) } }
        }
        if status == PP_NOT_FOUND { return nil }
        guard status == PP_OK else { throw Self.error(status, "reading \(path) on \(name)") }
        return content.bytes
    }

    public func writeFile(_ path: String, contents: [UInt8], mode: UInt32) throws(TargetError) {
        guard let write = table.write_file else { throw .invalid("the transport cannot write files") }
        let status = try withSession(isCancelled: { false }) { session, host in
            contents.withUnsafeBytes { bytes in path.withCString { write(session, host, $0, UInt64(path.utf8.count), pp_bytes(bytes), mode) } }
        }
        guard status == PP_OK else { throw Self.error(status, "writing \(path) on \(name)") }
    }

    public func removeFile(_ path: String) throws(TargetError) -> Bool {
        guard let remove = table.remove_file else { throw .invalid("the transport cannot remove files") }
        let status = try withSession(isCancelled: { false }) { session, host in
            path.withCString { remove(session, host, $0, UInt64(path.utf8.count)) }
        }
        if status == PP_NOT_FOUND { return false }
        guard status == PP_OK else { throw Self.error(status, "removing \(path) on \(name)") }
        return true
    }

    public func http(_ request: HTTPRequest) throws(TargetError) -> HTTPResponse {
        throw .invalid("HTTP to a unix socket is not available through a transport")
    }

    // MARK: - Helpers

    /// Runs `body` with the session held (one call at a time) and a `pp_host` for its logs and
    /// cancellation checks.
    private func withSession(
        isCancelled: @escaping @Sendable () -> Bool,
        _ body: (UnsafeMutableRawPointer, UnsafePointer<pp_host>) -> Int32
    ) throws(TargetError) -> Int32 {
        let services = HostServices(grants: [], target: nil, isCancelled: isCancelled, onLog: onLog, onProgress: { _ in })
        return try session.withLock { session throws(TargetError) -> Int32 in
            guard let pointer = session.pointer else { throw .failed("the session to \(name) is closed") }
            return services.withCHost { body(pointer, $0) }
        }
    }

    private static func error(_ status: Int32, _ what: String) -> TargetError {
        switch status {
        case PP_CANCELLED: .cancelled
        case PP_INVALID: .invalid(what)
        default: .failed("\(what) failed (see the log)")
        }
    }

    private func withArgv<Result>(_ argv: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> Result) -> Result {
        let copies = argv.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

/// A sink that keeps what a command prints (up to `limit`) and hands over each complete line as
/// it arrives, so a remote command's output streams live.
private final class LineSink {
    private(set) var bytes: [UInt8] = []
    private(set) var overflowed = false
    private var lines = LineSplitter()
    let limit: Int
    let stream: OutputLine.Stream
    let onLine: @Sendable (OutputLine) -> Void

    init(limit: Int, stream: OutputLine.Stream, onLine: @escaping @Sendable (OutputLine) -> Void) {
        self.limit = limit
        self.stream = stream
        self.onLine = onLine
    }

    /// Keeps the bytes and passes on complete lines; refuses (`PP_TOO_LARGE`) past the limit, so
    /// the transport stops the command instead of sending more.
    func append(_ data: UnsafeRawBufferPointer) -> Int32 {
        guard bytes.count + data.count <= limit else {
            overflowed = true
            return PP_TOO_LARGE
        }
        bytes.append(contentsOf: data)
        lines.feed(data) { onLine(OutputLine(stream: stream, text: $0)) }
        return PP_OK
    }

    func finish() {
        lines.finish { onLine(OutputLine(stream: stream, text: $0)) }
    }

    func withCSink<Result>(_ body: (UnsafePointer<pp_sink>) -> Result) -> Result {
        var sink = pp_sink(
            struct_size: UInt32(MemoryLayout<pp_sink>.size),
            context: Unmanaged.passUnretained(self).toOpaque(),
            write: { sink, data, size in
                guard let sink, let context = sink.pointee.context else { return PP_INVALID }
                guard size > 0 else { return PP_OK }
                guard let data else { return PP_INVALID }
                return Unmanaged<LineSink>.fromOpaque(context).takeUnretainedValue().append(UnsafeRawBufferPointer(start: data, count: Int(size)))
            })
        return withUnsafePointer(to: &sink) { body($0) }
    }
}
