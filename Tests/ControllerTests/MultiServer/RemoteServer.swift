import Foundation
import Host
import TestSupport

/// A remote server as the multi-server tests need one: a network namespace the test creates,
/// joined to the machine by a veth pair, running its own Caddy, a test upstream and the real
/// `posternproxy-agent`, which reaches the controller over the veth link.
/// One test drives it at a time (a browser test's output callback may stop its agent).
final class RemoteServer: @unchecked Sendable {
    let name: String
    let folder: TemporaryFolder
    /// The namespace, and the link whose machine end is where the controller answers.
    let network: LinkedNamespace
    var namespace: String { network.name }
    var hostAddress: String { network.hostAddress }
    private var caddy: ChildProcess?
    private var agent: ChildProcess?
    private var upstream: ChildProcess?
    /// Where the namespace's upstream answers, inside the namespace.
    let upstreamPort = 8001

    var caddySocket: String { folder.file("caddy/admin.sock") }

    init(name: String) throws {
        self.name = name
        folder = try TemporaryFolder()
        network = try LinkedNamespace(prefix: "ppr", network: "10.99")
        try FileManager.default.createDirectory(atPath: folder.file("plugins"), withIntermediateDirectories: true)
        for plugin in ["PosternProxyCaddyL4", "PosternProxyIptables"] {
            try FileManager.default.copyItem(atPath: try TestEnvironment.builtPlugin(plugin), toPath: folder.file("plugins/lib\(plugin).so"))
        }
        upstream = try ChildProcess(
            inNamespace(["python3", TestEnvironment.fixture("upstream.py"), name, String(upstreamPort)]), in: folder.path,
            logName: "upstream")
        try startCaddy()
    }

    /// Starts Caddy in the namespace with an empty config (as a fresh or restarted Caddy has).
    func startCaddy() throws {
        try FileManager.default.createDirectory(atPath: folder.file("caddy"), withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: caddySocket)
        _ = try folder.write("caddy/initial.json", #"{"admin": {"listen": "unix/\#(caddySocket)"}}"#)
        let home = folder.file("caddy")
        caddy = try ChildProcess(
            inNamespace([
                "env", "HOME=\(home)", "XDG_DATA_HOME=\(home)", "XDG_CONFIG_HOME=\(home)",
                "caddy", "run", "--config", folder.file("caddy/initial.json"),
            ]),
            in: folder.path, logName: "caddy")
        let socket = caddySocket
        try caddy!.wait(until: { FileManager.default.fileExists(atPath: socket) }, what: "Caddy in \(namespace)")
    }

    func killCaddy() { caddy?.stop() }

    /// Writes the agent's config.env for `token` and starts the agent.
    func startAgent(controllerPort: Int, token: String) throws {
        try startAgent(controllerURL: "http://\(hostAddress):\(controllerPort)", token: token)
    }

    /// Writes the agent's config.env for the controller at `controllerURL`, with `extra` lines,
    /// and starts the agent.
    func startAgent(controllerURL: String, token: String, extra: [String] = []) throws {
        _ = try folder.write(
            "agent.env",
            """
            # written by the test
            POSTERNPROXY_CONTROLLER_URL=\(controllerURL)
            POSTERNPROXY_AGENT_TOKEN="\(token)"
            POSTERNPROXY_PLUGINS_DIR=\(folder.file("plugins"))
            POSTERNPROXY_STATE_DIR=\(folder.file("agent-state"))
            POSTERNPROXY_CADDY_ADMIN=\(caddySocket)
            POSTERNPROXY_CADDY_CERTIFICATE_LOG=\(folder.file("caddy/posternproxy-certificates.log"))
            POSTERNPROXY_RECONCILE_SECONDS=2
            POSTERNPROXY_STATUS_SECONDS=2
            POSTERNPROXY_BACKOFF_MAX_SECONDS=2
            \(extra.joined(separator: "\n"))

            """)
        try restartAgent()
    }

    func restartAgent() throws {
        agent = try ChildProcess(
            inNamespace(["\(TestEnvironment.buildFolder)/posternproxy-agent", "--config", folder.file("agent.env")]),
            in: folder.path, logName: "agent-\(UUID().uuidString.prefix(4))")
    }

    /// The agent's resident memory (VmRSS) in KiB, read from /proc; nil when it does not run.
    var agentResidentKiB: Int? {
        guard let pid = agent?.process.processIdentifier,
            let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }

    /// Kills the agent with SIGKILL, as a crash would.
    func killAgent() { agent?.stop() }

    func setLink(up: Bool) throws { try network.setLink(up: up) }

    /// A request from inside the namespace to its own Caddy on port 80, for `host`.
    func get(_ host: String, path: String = "/") -> (status: Int, upstream: String?) {
        let result = try? LocalTarget().run(
            TargetCommand(
                argv: inNamespace([
                    "curl", "-s", "--max-time", "5", "-H", "Host: \(host)", "-w", "\n%{http_code}",
                    "http://127.0.0.1:80\(path)",
                ]), timeout: .seconds(10)),
            onLine: { _ in }, isCancelled: { false })
        let text = String(decoding: result?.standardOutput ?? [], as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.last ?? "") ?? 0
        let body = lines.dropLast().joined(separator: "\n")
        let upstream = (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["upstream"] as? String
        return (status, upstream)
    }

    /// The upstream's name when `host` answers on the namespace's port 443 with a certificate
    /// `caFile` verifies, else nil.
    func getOverHTTPS(_ host: String, caFile: String) -> String? {
        let result = try? LocalTarget().run(
            TargetCommand(
                argv: inNamespace([
                    "curl", "-sS", "--max-time", "5", "--resolve", "\(host):443:127.0.0.1", "--cacert", caFile, "https://\(host)/",
                ]), timeout: .seconds(10)),
            onLine: { _ in }, isCancelled: { false })
        guard result?.exitStatus == 0, let output = result?.standardOutput else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(output)) as? [String: Any])?["upstream"] as? String
    }

    /// What the agent printed so far.
    /// What the agent running now has written (``agentLog`` has every agent's, in no order).
    var currentAgentLog: String { agent?.output ?? "" }

    var agentLog: String {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.filter { $0.hasPrefix("agent-") && $0.hasSuffix(".log") }.sorted()
            .compactMap { try? String(contentsOfFile: folder.file($0), encoding: .utf8) }.joined(separator: "\n")
    }

    func remove() {
        agent?.stop()
        caddy?.stop()
        upstream?.stop()
        // What the agent started and supervises (socat for port forwards and streams) ends with
        // the server: nothing outlives the test.
        let left = try? LocalTarget().run(TargetCommand(argv: ["ip", "netns", "pids", namespace]), onLine: { _ in }, isCancelled: { false })
        for pid in String(decoding: left?.standardOutput ?? [], as: UTF8.self).split(separator: "\n").compactMap({ Int32($0) }) {
            kill(pid, SIGKILL)
        }
        network.remove()
        folder.remove()
    }

    private func inNamespace(_ argv: [String]) -> [String] { ["ip", "netns", "exec", namespace] + argv }
}
