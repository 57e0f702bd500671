import Foundation
import Host

/// A real OpenSSH server for the tests (Tests/Fixtures/sandbox_sshd.sh): in a network namespace
/// the test creates, reached over a veth pair, with copy-on-write overlays over the system
/// folders, so what the tests and provisioning do there never touches this machine. Users:
/// `pp-pass` (password), `pp-key` (key), `pp-sudo` (key, passwordless sudo).
public final class SSHServer {
    public static let password = "correct horse battery staple"
    public let folder: TemporaryFolder
    /// Where sshd runs: its namespace, and the two ends of the link.
    public let network: LinkedNamespace
    public var namespace: String { network.name }
    public var hostAddress: String { network.hostAddress }
    public var address: String { network.address }
    public let port = 2222

    /// The client's private key (OpenSSH format), authorized for `pp-key` and `pp-sudo`.
    public var clientKey: String { (try? String(contentsOfFile: folder.file("client_key"), encoding: .utf8)) ?? "" }

    /// The host key's fingerprint as OpenSSH prints it (`SHA256:...`).
    public var hostKeyFingerprint: String {
        let result = try? LocalTarget().run(
            TargetCommand(argv: ["ssh-keygen", "-l", "-f", folder.file("host_key.pub")]), onLine: { _ in }, isCancelled: { false })
        return String(decoding: result?.standardOutput ?? [], as: UTF8.self).split(separator: " ").dropFirst().first.map(String.init) ?? ""
    }

    public init() throws {
        folder = try TemporaryFolder()
        network = try LinkedNamespace(prefix: "pps", network: "10.98")
        try Self.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", folder.file("host_key")])
        try Self.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", folder.file("client_key")])
        try start()
    }

    public func start() throws {
        try Self.run([TestEnvironment.fixture("sandbox_sshd.sh"), namespace, address, String(port), folder.path, Self.password])
        for _ in 0..<100 {
            if Self.canConnect(address, port) { return }
            usleep(100_000)
        }
        throw TestSetupError("sshd in \(namespace) did not start: \((try? String(contentsOfFile: folder.file("sshd.log"), encoding: .utf8)) ?? "")")
    }

    /// sshd's pid: its mount and network namespaces are the sandbox (`nsenter -t pid -m -n`).
    public var pid: Int32? {
        (try? String(contentsOfFile: folder.file("sshd.pid"), encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Runs `argv` inside the sandbox (its files and its network), as root.
    public func inSandbox(_ argv: [String]) throws -> CommandResult {
        guard let pid else { throw TestSetupError("sshd is not running") }
        return try LocalTarget().run(
            TargetCommand(argv: ["nsenter", "-t", String(pid), "-m", "-n"] + argv), onLine: { _ in }, isCancelled: { false })
    }

    public func stop() {
        guard let text = try? String(contentsOfFile: folder.file("sshd.pid"), encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return }
        kill(pid, SIGKILL)
        for _ in 0..<50 where kill(pid, 0) == 0 { usleep(20_000) }
    }

    /// Replaces the host key (a reinstalled server) and restarts sshd.
    public func changeHostKey() throws {
        stop()
        try FileManager.default.removeItem(atPath: folder.file("host_key"))
        try FileManager.default.removeItem(atPath: folder.file("host_key.pub"))
        try Self.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", folder.file("host_key")])
        try start()
    }

    /// The transport's open request for `user`.
    public func openRequest(user: String, password: String? = nil, key: Bool = false, pinned: String? = nil, port: Int? = nil) -> [UInt8] {
        var request: [String: Any] = ["host": address, "port": port ?? self.port, "user": user, "timeout_ms": 5000]
        if let password { request["password"] = password }
        if key { request["private_key"] = clientKey }
        if let pinned { request["known_host_key"] = pinned }
        return try! [UInt8](JSONSerialization.data(withJSONObject: request))
    }

    public func remove() {
        stop()
        network.remove()
        folder.remove()
    }

    private static func canConnect(_ address: String, _ port: Int) -> Bool {
        let script = "import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=0.5).close()"
        let result = try? LocalTarget().run(
            TargetCommand(argv: ["python3", "-c", script, address, String(port)], timeout: .seconds(3)),
            onLine: { _ in }, isCancelled: { false })
        return result?.exitStatus == 0
    }

    private static func run(_ argv: [String]) throws {
        let result = try LocalTarget().run(TargetCommand(argv: argv), onLine: { _ in }, isCancelled: { false })
        guard result.exitStatus == 0 else {
            throw TestSetupError("\(argv.joined(separator: " ")): \(String(decoding: result.standardError, as: UTF8.self))")
        }
    }
}
