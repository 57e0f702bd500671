import Foundation
import PluginAPI
import PluginKit

/// `posternproxy.transport/1` over SSH: `open` connects and authenticates (``SSHSession``);
/// `run` executes an argument vector; files are read, written (atomically: a temporary file
/// renamed over the target) and removed by fixed remote scripts that take the path as an
/// argument, never as text inside the script.
enum SSHTransport {
    /// What `open` answers: the host key the server proved, as OpenSSH prints it (`SHA256:…`).
    struct OpenAnswer: Encodable {
        var host_key: String
    }

    /// What `open` reads.
    struct OpenRequest: Decodable {
        var host: String
        var port: Int?
        var user: String
        var password: String?
        var private_key: String?
        var passphrase: String?
        var known_host_key: String?
        /// Connect, read the host key and stop: no credential is sent.
        var scan_only: Bool?
        /// Refuse to authenticate when no host key is pinned (the admin confirms keys first).
        var require_known_host_key: Bool?
        var timeout_ms: Int?
    }

    /// Every command's output is capped: nothing read from a server is unbounded.
    static let outputLimit = 64 << 20
    static let defaultTimeout: Duration = .seconds(600)

    static let readScript = #"if [ -e "$1" ]; then exec cat -- "$1"; else exit 3; fi"#
    static let writeScript =
        #"set -e; dir=$(dirname -- "$1"); (umask 022; mkdir -p -- "$dir"); tmp="$1.posternproxy.$$"; (umask 077; cat > "$tmp"); chmod "$2" "$tmp"; mv -f -- "$tmp" "$1""#
    static let removeScript = #"if [ -e "$1" ] || [ -L "$1" ]; then rm -f -- "$1"; else exit 3; fi"#

    static func open(_ raw: UnsafePointer<pp_call>?, _ sessionOut: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Int32 {
        PluginCall.handle(raw) { call in
            guard let sessionOut else { return call.fail("no place for the session") }
            let request = try JSONDecoder().decode(OpenRequest.self, from: Data(call.input))
            let host = call.host
            let session = try SSHSession.open(
                .init(
                    host: request.host, port: request.port ?? 22, user: request.user, password: request.password,
                    privateKey: request.private_key, passphrase: request.passphrase,
                    knownHostKey: request.known_host_key, scanOnly: request.scan_only ?? false,
                    requireKnownHostKey: request.require_known_host_key ?? false,
                    connectTimeout: .milliseconds(request.timeout_ms ?? 15_000)),
                isCancelled: { host.isCancelled })
            sessionOut.pointee = Unmanaged.passRetained(session).toOpaque()
            return call.write(try JSONEncoder().encode(OpenAnswer(host_key: session.hostKey)))
        }
    }

    static func run(
        _ raw: UnsafeMutableRawPointer?, _ host: UnsafePointer<pp_host>?, _ command: UnsafePointer<pp_command>?,
        _ output: UnsafePointer<pp_sink>?, _ errors: UnsafePointer<pp_sink>?, _ exitStatus: UnsafeMutablePointer<Int32>?
    ) -> Int32 {
        guard let raw, let command, command.pointee.argc >= 1, let argvPointer = command.pointee.argv else { return PP_INVALID }
        var argv: [String] = []
        for index in 0..<Int(command.pointee.argc) {
            guard let argument = argvPointer[index] else { return PP_INVALID }
            argv.append(String(cString: argument))
        }
        let input = command.pointee.standard_input.data.map { Data(bytes: $0, count: Int(command.pointee.standard_input.size)) } ?? Data()
        let timeout: Duration = command.pointee.timeout_ms == 0 ? defaultTimeout : .milliseconds(Int(command.pointee.timeout_ms))
        return execute(raw, host, argv, input: input, timeout: timeout, output: output, errors: errors, exitStatus: exitStatus)
    }

    static func readFile(
        _ raw: UnsafeMutableRawPointer?, _ host: UnsafePointer<pp_host>?, _ path: UnsafePointer<CChar>?, _ size: UInt64,
        _ content: UnsafePointer<pp_sink>?
    ) -> Int32 {
        guard let raw, let path = text(path, size) else { return PP_INVALID }
        var status: Int32 = 0
        let result = execute(
            raw, host, ["sh", "-c", readScript, "sh", path], input: Data(), timeout: defaultTimeout,
            output: content, errors: nil, exitStatus: &status)
        guard result == PP_OK else { return result }
        return status == 0 ? PP_OK : status == 3 ? PP_NOT_FOUND : failed(host, "reading \(path) failed (exit \(status))")
    }

    static func writeFile(
        _ raw: UnsafeMutableRawPointer?, _ host: UnsafePointer<pp_host>?, _ path: UnsafePointer<CChar>?, _ size: UInt64,
        _ content: pp_bytes, _ mode: UInt32
    ) -> Int32 {
        guard let raw, let path = text(path, size), path.hasPrefix("/") else { return PP_INVALID }
        let data = content.data.map { Data(bytes: $0, count: Int(content.size)) } ?? Data()
        var status: Int32 = 0
        let result = execute(
            raw, host, ["sh", "-c", writeScript, "sh", path, String(mode & 0o7777, radix: 8)], input: data, timeout: defaultTimeout,
            output: nil, errors: nil, exitStatus: &status)
        guard result == PP_OK else { return result }
        return status == 0 ? PP_OK : failed(host, "writing \(path) failed (exit \(status))")
    }

    static func removeFile(_ raw: UnsafeMutableRawPointer?, _ host: UnsafePointer<pp_host>?, _ path: UnsafePointer<CChar>?, _ size: UInt64) -> Int32 {
        guard let raw, let path = text(path, size), path.hasPrefix("/") else { return PP_INVALID }
        var status: Int32 = 0
        let result = execute(
            raw, host, ["sh", "-c", removeScript, "sh", path], input: Data(), timeout: defaultTimeout,
            output: nil, errors: nil, exitStatus: &status)
        guard result == PP_OK else { return result }
        return status == 0 ? PP_OK : status == 3 ? PP_NOT_FOUND : failed(host, "removing \(path) failed (exit \(status))")
    }

    static func close(_ raw: UnsafeMutableRawPointer?) {
        guard let raw else { return }
        let session = Unmanaged<SSHSession>.fromOpaque(raw).takeRetainedValue()
        session.close()
    }

    // MARK: - Helpers

    private static func execute(
        _ raw: UnsafeMutableRawPointer, _ host: UnsafePointer<pp_host>?, _ argv: [String], input: Data, timeout: Duration,
        output: UnsafePointer<pp_sink>?, errors: UnsafePointer<pp_sink>?, exitStatus: UnsafeMutablePointer<Int32>?
    ) -> Int32 {
        let session = Unmanaged<SSHSession>.fromOpaque(raw).takeUnretainedValue()
        let proxy = HostProxy(host)
        do {
            let status = try session.run(argv, input: input, timeout: timeout, limit: outputLimit, isCancelled: { proxy.isCancelled }) {
                isError, bytes in
                guard let sink = isError ? errors : output, let write = sink.pointee.write else { return true }
                return write(sink, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count)) == PP_OK
            }
            exitStatus?.pointee = status
            return PP_OK
        } catch {
            if proxy.isCancelled { return PP_CANCELLED }
            return failed(host, "\(argv.first ?? "command"): \(error)")
        }
    }

    private static func failed(_ host: UnsafePointer<pp_host>?, _ message: String) -> Int32 {
        HostProxy(host).log(PP_LOG_ERROR, message)
        return PP_FAILED
    }

    private static func text(_ pointer: UnsafePointer<CChar>?, _ size: UInt64) -> String? {
        guard let pointer, size < 4096 else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: Int(size)), as: UTF8.self)
    }
}
