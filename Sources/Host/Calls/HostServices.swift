import Glibc
import PluginAPI

/// The host's side of `pp_host` for one plugin call: what the call may do (``Grants``), the
/// target its effects go to, and where its log and progress lines are sent. Every request that
/// the grants refuse is remembered in ``deniedRequests``, so the caller can fail a plugin that
/// tried to write while planning even if the plugin ignored the `PP_DENIED` answer.
final class HostServices {
    let grants: Grants
    let target: (any Target)?
    /// Whether the run was cancelled (the pipeline's flag, or the caller's question).
    let isCancelled: @Sendable () -> Bool
    let onLog: (PluginLogRecord) -> Void
    let onProgress: @Sendable (String) -> Void
    /// The requests begun and not answered yet, shared by the calls of one pipeline step.
    let begunRequests: BegunHTTPRequests
    private(set) var deniedRequests: [String] = []

    convenience init(
        grants: Grants, target: (any Target)?, cancellation: CancellationFlag, begunRequests: BegunHTTPRequests = BegunHTTPRequests(),
        onLog: @escaping (PluginLogRecord) -> Void, onProgress: @escaping @Sendable (String) -> Void
    ) {
        self.init(
            grants: grants, target: target, isCancelled: { cancellation.isCancelled }, begunRequests: begunRequests, onLog: onLog,
            onProgress: onProgress)
    }

    /// `begunRequests`: those of the step this call belongs to; by default the call's own, closed
    /// with it.
    init(
        grants: Grants, target: (any Target)?, isCancelled: @escaping @Sendable () -> Bool,
        begunRequests: BegunHTTPRequests = BegunHTTPRequests(),
        onLog: @escaping (PluginLogRecord) -> Void, onProgress: @escaping @Sendable (String) -> Void
    ) {
        self.begunRequests = begunRequests
        self.grants = target == nil ? [] : grants
        self.target = target
        self.isCancelled = isCancelled
        self.onLog = onLog
        self.onProgress = onProgress
    }

    /// Calls `body` with a `pp_host` that reaches this object. Valid only inside `body`.
    func withCHost<Result>(_ body: (UnsafePointer<pp_host>) -> Result) -> Result {
        var host = pp_host(
            struct_size: UInt32(MemoryLayout<pp_host>.size),
            context: Unmanaged.passUnretained(self).toOpaque(),
            granted: grants.rawValue,
            log: { host, level, message, size in
                guard let services = HostServices.from(host) else { return }
                services.onLog(PluginLogRecord(level: .init(abi: level), message: HostServices.text(message, size)))
            },
            progress: { host, line, size in
                HostServices.from(host)?.onProgress(HostServices.text(line, size))
            },
            is_cancelled: { host in
                (HostServices.from(host)?.isCancelled() ?? true) ? 1 : 0
            },
            run: { host, command, output, errors, exitStatus in
                guard let services = HostServices.from(host), let command else { return PP_INVALID }
                return services.run(command.pointee, output: output, errors: errors, exitStatus: exitStatus)
            },
            read_file: { host, path, size, content in
                guard let services = HostServices.from(host) else { return PP_INVALID }
                return services.readFile(HostServices.text(path, size), into: content)
            },
            write_file: { host, path, size, content, mode in
                guard let services = HostServices.from(host) else { return PP_INVALID }
                let data = content.data.map { Array(UnsafeBufferPointer(start: $0, count: Int(content.size))) } ?? []
                return services.writeFile(HostServices.text(path, size), contents: data, mode: mode)
            },
            remove_file: { host, path, size in
                guard let services = HostServices.from(host) else { return PP_INVALID }
                return services.removeFile(HostServices.text(path, size))
            },
            http: { host, request, body, status in
                guard let services = HostServices.from(host), let request else { return PP_INVALID }
                return services.http(request.pointee, body: body, status: status)
            },
            file_info: { host, path, size, info in
                guard let services = HostServices.from(host), let info else { return PP_INVALID }
                return services.fileInfo(HostServices.text(path, size), into: info)
            },
            set_file_owner: { host, path, size, mode, user, group in
                guard let services = HostServices.from(host) else { return PP_INVALID }
                return services.setOwner(HostServices.text(path, size), FileOwnership(mode: mode, user: user, group: group))
            },
            http_begin: { host, request, id in
                guard let services = HostServices.from(host), let request, let id else { return PP_INVALID }
                return services.beginHTTP(request.pointee, id: id)
            },
            http_answer: { host, id, body, status in
                guard let services = HostServices.from(host) else { return PP_INVALID }
                return services.answerHTTP(id, body: body, status: status)
            },
            follow_file: { host, path, size, limit, content in
                guard let services = HostServices.from(host) else { return PP_INVALID }
                return services.followFile(HostServices.text(path, size), upTo: limit, into: content)
            }
        )
        return withUnsafePointer(to: &host) { body($0) }
    }

    // MARK: - Services

    private func run(
        _ command: pp_command, output: UnsafePointer<pp_sink>?, errors: UnsafePointer<pp_sink>?,
        exitStatus: UnsafeMutablePointer<Int32>?
    ) -> Int32 {
        guard command.argc >= 1, let argvPointer = command.argv else { return PP_INVALID }
        var argv: [String] = []
        for index in 0..<Int(command.argc) {
            guard let argument = argvPointer[index] else { return PP_INVALID }
            argv.append(String(cString: argument))
        }
        let probe = command.flags & UInt32(PP_RUN_PROBE) != 0
        guard let target, grants.contains(probe ? .target : .run) else {
            return deny("run `\(argv.joined(separator: " "))`\(probe ? " (probe)" : "")")
        }
        let quiet = command.flags & UInt32(PP_RUN_QUIET) != 0
        var request = TargetCommand(argv: argv)
        if let data = command.standard_input.data {
            request.standardInput = Array(UnsafeBufferPointer(start: data, count: Int(command.standard_input.size)))
        }
        if command.timeout_ms > 0 { request.timeout = .milliseconds(command.timeout_ms) }
        let progress = onProgress
        let isCancelled = isCancelled
        do {
            let result = try target.run(
                request, onLine: { line in if !quiet { progress(line.text) } },
                isCancelled: isCancelled)
            exitStatus?.pointee = result.exitStatus
            let written = [Self.write(result.standardOutput, to: output), Self.write(result.standardError, to: errors)]
            if result.truncated || written.contains(PP_TOO_LARGE) { return PP_TOO_LARGE }
            return PP_OK
        } catch {
            return status(for: error, doing: "run `\(argv.first ?? "")`")
        }
    }

    private func readFile(_ path: String, into content: UnsafePointer<pp_sink>?) -> Int32 {
        guard let target, grants.contains(.target) else { return deny("read \(path)") }
        do {
            guard let data = try target.readFile(path) else { return PP_NOT_FOUND }
            return Self.write(data, to: content)
        } catch {
            return status(for: error, doing: "read \(path)")
        }
    }

    private func followFile(_ path: String, upTo limit: UInt64, into content: UnsafePointer<pp_sink>?) -> Int32 {
        guard let target, grants.contains(.target) else { return deny("follow \(path)") }
        do {
            var written = PP_OK
            let taken = try target.follow(path, upTo: Int(min(limit, UInt64(Int.max)))) { bytes in
                written = Self.write(bytes, to: content)
                return written == PP_OK
            }
            guard taken != nil else { return PP_NOT_FOUND }
            return written == PP_OK ? PP_OK : PP_TOO_LARGE
        } catch {
            return status(for: error, doing: "follow \(path)")
        }
    }

    private func writeFile(_ path: String, contents: [UInt8], mode: UInt32) -> Int32 {
        guard let target, grants.contains(.write) else { return deny("write \(path)") }
        do {
            try target.writeFile(path, contents: contents, mode: mode)
            return PP_OK
        } catch {
            return status(for: error, doing: "write \(path)")
        }
    }

    private func removeFile(_ path: String) -> Int32 {
        guard let target, grants.contains(.write) else { return deny("remove \(path)") }
        do {
            return try target.removeFile(path) ? PP_OK : PP_NOT_FOUND
        } catch {
            return status(for: error, doing: "remove \(path)")
        }
    }

    /// Fills the fields of `info` that its `struct_size` covers.
    private func fileInfo(_ path: String, into info: UnsafeMutablePointer<pp_file_info>) -> Int32 {
        guard let target, grants.contains(.target) else { return deny("read the owner of \(path)") }
        let declared = Int(info.pointee.struct_size)
        guard declared >= MemoryLayout<UInt32>.size else { return PP_INVALID }
        do {
            guard let ownership = try target.ownership(of: path) else { return PP_NOT_FOUND }
            let raw = UnsafeMutableRawPointer(info)
            func store<Value>(_ value: Value, at field: PartialKeyPath<pp_file_info>) {
                guard let offset = MemoryLayout<pp_file_info>.offset(of: field), offset + MemoryLayout<Value>.size <= declared else { return }
                raw.storeBytes(of: value, toByteOffset: offset, as: Value.self)
            }
            store(ownership.mode, at: \pp_file_info.mode)
            store(ownership.user, at: \pp_file_info.user)
            store(ownership.group, at: \pp_file_info.group)
            return PP_OK
        } catch {
            return status(for: error, doing: "read the owner of \(path)")
        }
    }

    private func setOwner(_ path: String, _ ownership: FileOwnership) -> Int32 {
        guard let target, grants.contains(.write) else { return deny("set the owner of \(path)") }
        guard ownership.mode <= 0o7777 else { return PP_INVALID }
        do {
            guard try target.ownership(of: path) != nil else { return PP_NOT_FOUND }
            try target.setOwnership(ownership, of: path)
            return PP_OK
        } catch {
            return status(for: error, doing: "set the owner of \(path)")
        }
    }

    private func http(_ raw: pp_http_request, body: UnsafePointer<pp_sink>?, status httpStatus: UnsafeMutablePointer<Int32>?) -> Int32 {
        let (request, target, description): (HTTPRequest, any Target, String)
        switch admit(raw) {
        case .success(let admitted): (request, target, description) = admitted
        case .failure(let refusal): return refusal.status
        }
        return read(description, into: body, status: httpStatus) { onBody throws(TargetError) in try target.http(request, onBody: onBody) }
    }

    private func beginHTTP(_ raw: pp_http_request, id: UnsafeMutablePointer<UInt64>) -> Int32 {
        let (request, target, description): (HTTPRequest, any Target, String)
        switch admit(raw) {
        case .success(let admitted): (request, target, description) = admitted
        case .failure(let refusal): return refusal.status
        }
        do {
            id.pointee = begunRequests.keep(try target.begin(request))
            return PP_OK
        } catch {
            return status(for: error, doing: description)
        }
    }

    private func answerHTTP(_ id: UInt64, body: UnsafePointer<pp_sink>?, status httpStatus: UnsafeMutablePointer<Int32>?) -> Int32 {
        guard let request = begunRequests.take(id) else { return PP_NOT_FOUND }
        // Unread, it is closed as it goes.
        guard body != nil else { return PP_OK }
        return read("the answer to HTTP request \(id)", into: body, status: httpStatus) { onBody throws(TargetError) in
            try request.answer(onBody: onBody)
        }
    }

    /// Runs `exchange`, handing the answer's body to the plugin's sink piece by piece (a sink
    /// that refuses a piece stops the request, and its status is returned) and its status code
    /// to `httpStatus`.
    private func read(
        _ description: String, into body: UnsafePointer<pp_sink>?, status httpStatus: UnsafeMutablePointer<Int32>?,
        _ exchange: ((ArraySlice<UInt8>) throws(TargetError) -> Void) throws(TargetError) -> Int
    ) -> Int32 {
        do {
            var refusal: Int32 = PP_OK
            let status = try exchange { piece throws(TargetError) in
                let written = Self.write(piece, to: body)
                guard written == PP_OK else {
                    refusal = written
                    throw .failed("the plugin stopped reading the response (status \(written))")
                }
            }
            httpStatus?.pointee = Int32(status)
            return refusal
        } catch {
            return status(for: error, doing: description)
        }
    }

    /// Why a request is not sent: `PP_INVALID` (a required field missing) or `PP_DENIED`.
    private struct Refusal: Error {
        var status: Int32
    }

    /// The request a plugin describes, the target it goes to and how logs name it, when this
    /// call may send it (GET and HEAD need a target, other methods `PP_GRANT_RUN`); a denial is
    /// recorded.
    private func admit(_ raw: pp_http_request) -> Result<(HTTPRequest, any Target, String), Refusal> {
        guard let request = Self.request(raw) else { return .failure(Refusal(status: PP_INVALID)) }
        let description = "HTTP \(request.method) \(request.path) on \(request.socketPath)"
        guard let target, grants.contains(request.isObserving ? .target : .run) else { return .failure(Refusal(status: deny(description))) }
        return .success((request, target, description))
    }

    /// The request a plugin describes; nil when a required field is missing.
    private static func request(_ raw: pp_http_request) -> HTTPRequest? {
        guard let socket = raw.socket_path, let method = raw.method, let path = raw.path else { return nil }
        var request = HTTPRequest(socketPath: String(cString: socket), method: String(cString: method), path: String(cString: path))
        request.contentType = raw.content_type.map { String(cString: $0) }
        if let data = raw.body.data { request.body = Array(UnsafeBufferPointer(start: data, count: Int(raw.body.size))) }
        if raw.timeout_ms > 0 { request.timeout = .milliseconds(raw.timeout_ms) }
        return request
    }

    // MARK: - Helpers

    private func deny(_ request: String) -> Int32 {
        deniedRequests.append(request)
        onLog(PluginLogRecord(level: .error, message: "denied: \(request) is not granted in this phase"))
        return PP_DENIED
    }

    private func status(for error: TargetError, doing request: String) -> Int32 {
        onLog(PluginLogRecord(level: .error, message: "\(request): \(error)"))
        switch error {
        case .invalid: return PP_INVALID
        case .cancelled: return PP_CANCELLED
        case .failed, .timedOut: return PP_FAILED
        }
    }

    private static func write(_ bytes: ArraySlice<UInt8>, to sink: UnsafePointer<pp_sink>?) -> Int32 {
        guard let sink, let write = sink.pointee.write, !bytes.isEmpty else { return PP_OK }
        return bytes.withUnsafeBufferPointer { write(sink, $0.baseAddress!, UInt64($0.count)) }
    }

    private static func write(_ data: [UInt8], to sink: UnsafePointer<pp_sink>?) -> Int32 {
        guard let sink, let write = sink.pointee.write, !data.isEmpty else { return PP_OK }
        return data.withUnsafeBytes { buffer in
            write(sink, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(buffer.count))
        }
    }

    private static func from(_ host: UnsafePointer<pp_host>?) -> HostServices? {
        guard let context = host?.pointee.context else { return nil }
        return Unmanaged<HostServices>.fromOpaque(context).takeUnretainedValue()
    }

    private static func text(_ pointer: UnsafePointer<CChar>?, _ size: UInt64) -> String {
        guard let pointer, size > 0 else { return "" }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: Int(size)) {
            String(decoding: UnsafeBufferPointer(start: $0, count: Int(size)), as: UTF8.self)
        }
    }
}
