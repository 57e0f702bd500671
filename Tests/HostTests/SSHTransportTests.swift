import Foundation
import Host
import JSONCore
import Testing
import TestSupport

/// The SSH transport (`posternproxy.ssh`, libssh2) against a real OpenSSH server in a sandbox:
/// password and key users (commands run as root through `sudo -n`), the host key pinned and a changed one refused, clear errors for
/// every way a connection fails, live output, caps and timeouts, and arguments that reach the
/// remote command exactly as given.
@Suite(.serialized) struct SSHTransportTests {
    private let plugin: LoadedPlugin = {
        var catalog = PluginCatalog()
        catalog.add(
            file: try! TestEnvironment.builtPlugin("PosternProxySSHProvisioner"),
            loader: PluginLoader(host: HostIdentity(name: "tests", version: "0")))
        return catalog.plugin(id: "posternproxy.ssh")!
    }()

    private func open(_ server: SSHServer, _ request: [UInt8]) throws(TargetError) -> TransportTarget {
        try TransportTarget.open(plugin: plugin, name: "sandbox", request: request)
    }

    private func run(
        _ target: TransportTarget, _ argv: [String], input: String = "", timeout: Duration = .seconds(30),
        limit: Int = 16 << 20
    ) throws -> (status: Int32, output: String, errors: String) {
        let result = try target.run(
            TargetCommand(argv: argv, standardInput: Array(input.utf8), timeout: timeout, outputLimit: limit),
            onLine: { _ in }, isCancelled: { false })
        return (result.exitStatus, String(decoding: result.standardOutput, as: UTF8.self), String(decoding: result.standardError, as: UTF8.self))
    }

    @Test func passwordKeyAndSudoUsersRunCommandsAndFiles() throws {
        let server = try SSHServer()
        defer { server.remove() }
        let byPassword = try open(server, server.openRequest(user: "pp-pass", password: SSHServer.password))
        #expect(byPassword.openAnswer["host_key"] == .string(server.hostKeyFingerprint))
        #expect(try run(byPassword, ["id", "-un"]).output == "root\n", "a non-root user's commands run through sudo")
        #expect(try run(byPassword, ["sh", "-c", "echo $SUDO_USER"]).output == "pp-pass\n")
        #expect(try run(byPassword, ["cat"], input: "through standard input").output == "through standard input")
        #expect(try run(byPassword, ["sh", "-c", "echo out; echo err >&2; exit 7"]) == (7, "out\n", "err\n"))
        try byPassword.writeFile("/home/pp-pass/sub/dir/file.txt", contents: Array("hello\n".utf8), mode: 0o640)
        #expect(try byPassword.readFile("/home/pp-pass/sub/dir/file.txt") == Array("hello\n".utf8))
        #expect(try run(byPassword, ["stat", "-c", "%a", "/home/pp-pass/sub/dir/file.txt"]).output == "640\n")
        #expect(try byPassword.removeFile("/home/pp-pass/sub/dir/file.txt"))
        #expect(try byPassword.removeFile("/home/pp-pass/sub/dir/file.txt") == false)
        #expect(try byPassword.readFile("/home/pp-pass/nothing-here") == nil)

        let bySudo = try open(server, server.openRequest(user: "pp-sudo", key: true))
        #expect(try run(bySudo, ["id", "-u"]).output == "0\n")
        try bySudo.writeFile("/etc/posternproxy-test/secret.env", contents: Array("TOKEN=x\n".utf8), mode: 0o600)
        #expect(try run(bySudo, ["stat", "-c", "%a %U", "/etc/posternproxy-test/secret.env"]).output == "600 root\n")
        #expect(!FileManager.default.fileExists(atPath: "/etc/posternproxy-test"), "the sandbox keeps this machine's /etc untouched")

        let byKeyWithoutSudo = try open(server, server.openRequest(user: "pp-key", key: true))
        let refused = try run(byKeyWithoutSudo, ["id", "-u"])
        #expect(refused.status != 0)
        #expect(refused.errors.contains("sudo"), "a user without passwordless sudo is a clear error")
    }

    @Test func argumentsReachTheRemoteCommandExactlyAsGiven() throws {
        let server = try SSHServer()
        defer { server.remove() }
        let target = try open(server, server.openRequest(user: "pp-pass", password: SSHServer.password))
        for hostile in ["a'b; touch /tmp/pwned", "$(touch /tmp/pwned)", "`touch /tmp/pwned`", "x\ny", "--help", "*", "'", "\\"] {
            #expect(try run(target, ["printf", "%s", hostile]).output == hostile)
        }
        #expect(try run(target, ["ls", "/tmp/pwned"]).status != 0)
    }

    @Test func outputStreamsLiveAndSizesAndTimesAreCapped() throws {
        let server = try SSHServer()
        defer { server.remove() }
        let target = try open(server, server.openRequest(user: "pp-pass", password: SSHServer.password))
        let started = ContinuousClock.now
        let arrivals = Arrivals()
        _ = try target.run(
            TargetCommand(argv: ["sh", "-c", "echo first; sleep 2; echo second"]),
            onLine: { line in
                arrivals.add(line.text, at: ContinuousClock.now - started)
            }, isCancelled: { false })
        let seen = arrivals.all
        #expect(seen.map(\.0) == ["first", "second"])
        if seen.count == 2 { #expect(seen[1].1 - seen[0].1 > .seconds(1), "the first line arrived before the command ended") }

        #expect(throws: TargetError.self) { try run(target, ["head", "-c", "100000000", "/dev/zero"], limit: 1 << 20) }
        let before = ContinuousClock.now
        #expect(throws: TargetError.self) { try run(target, ["sleep", "30"], timeout: .seconds(1)) }
        #expect(ContinuousClock.now - before < .seconds(10))
        // The session survives a failed command only if the transport says so; a new one always works.
        let again = try open(server, server.openRequest(user: "pp-pass", password: SSHServer.password))
        #expect(try run(again, ["true"]).status == 0)
    }

    @Test func everyWayToFailIsAClearError() throws {
        let server = try SSHServer()
        defer { server.remove() }
        func failure(_ request: [UInt8]) -> String {
            do {
                _ = try open(server, request)
                return "opened"
            } catch {
                return "\(error)"
            }
        }
        #expect(failure(server.openRequest(user: "pp-pass", password: "wrong")).contains("refused the password for user pp-pass"))
        #expect(failure(server.openRequest(user: "nobody-here", password: "x")).contains("refused the password for user nobody-here"))
        #expect(
            failure(server.openRequest(user: "pp-pass", password: SSHServer.password, port: 2299)).contains(
                "cannot connect to \(server.address) port 2299"))
        #expect(failure(server.openRequest(user: "pp-pass")).contains("no password or private key"))
        let pinned = server.hostKeyFingerprint
        #expect(failure(server.openRequest(user: "pp-pass", password: SSHServer.password, pinned: pinned)) == "opened")
        try server.changeHostKey()
        let changed = failure(server.openRequest(user: "pp-pass", password: SSHServer.password, pinned: pinned))
        #expect(changed.contains("host key of \(server.address) changed"))
        #expect(changed.contains(pinned))
    }
}

/// Lines and when they arrived, collected from another thread.
private final class Arrivals: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [(String, Duration)] = []

    func add(_ line: String, at time: Duration) {
        lock.lock()
        lines.append((line, time))
        lock.unlock()
    }

    var all: [(String, Duration)] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }
}
