import Foundation
import TestSupport

/// A controller listening where namespaces can reach it, serving its local server through a Caddy
/// of its own, and remote servers added through the API, each with its agent running.
final class MultiServerSetup {
    let controller: ControllerProcess
    let client: APIClient
    /// Where the controller's local Caddy serves HTTP, on the machine.
    let localHTTPPort: Int
    let localUpstream: TestUpstream
    private(set) var remotes: [String: (server: RemoteServer, id: Int64)] = [:]

    init(environment: [String: String] = [:]) async throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.file("plugins"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: try TestEnvironment.builtPlugin("PosternProxyCaddyL4"), toPath: folder.file("plugins/libPosternProxyCaddyL4.so"))
        localHTTPPort = try FreePort.next()
        let port = try FreePort.next()
        controller = try ControllerProcess(
            folder: folder,
            extraEnvironment: [
                "POSTERNPROXY_LISTEN": "0.0.0.0:\(port)",
                "POSTERNPROXY_APPLY_PIPELINE": "posternproxy.caddy", "POSTERNPROXY_PLUGINS_DIR": folder.file("plugins"),
                "POSTERNPROXY_HTTP_PORT": String(localHTTPPort), "POSTERNPROXY_HTTPS_PORT": String(try FreePort.next()),
                "POSTERNPROXY_AGENT_HEARTBEAT": "1", "POSTERNPROXY_AGENT_OFFLINE_AFTER": "4",
            ].merging(environment) { $1 }, port: port)
        client = try await controller.loggedIn()
        localUpstream = try TestUpstream("local", in: folder.path)
    }

    /// Adds a server through the API, issues its token and starts its namespace and agent.
    @discardableResult
    func addRemote(_ name: String) async throws -> (server: RemoteServer, id: Int64) {
        let (server, id, token) = try await addRemoteWithoutAgent(name)
        try server.startAgent(controllerPort: controller.port, token: token)
        return (server, id)
    }

    /// Adds a server through the API and starts its namespace; its agent is the caller's to start.
    func addRemoteWithoutAgent(_ name: String) async throws -> (server: RemoteServer, id: Int64, token: String) {
        let created = try await client.post("/api/servers", ["name": name, "hostname": "192.0.2.10"])
        guard let id = created.id else { throw TestSetupError("server not created: \(created.object)") }
        let token = try await client.post("/api/servers/\(id)/token")
        guard let secret = token.object["token"] as? String else { throw TestSetupError("no token: \(token.object)") }
        let server = try RemoteServer(name: name)
        remotes[name] = (server, id)
        return (server, id, secret)
    }

    /// A proxy host for `domain` on `serverID`, forwarding to the namespace's upstream port (or
    /// the local upstream when on the local server).
    func addHost(_ domain: String, serverID: Int64, port: Int? = nil) async throws -> Int64 {
        let answer = try await client.post(
            "/api/proxy-hosts",
            [
                "domain_names": [domain], "forward_host": "127.0.0.1",
                "forward_port": port ?? 8001, "server_id": serverID,
            ])
        guard answer.status == 201, let id = answer.id else { throw TestSetupError("host not created: \(answer.object)") }
        return id
    }

    func server(_ id: Int64) async throws -> [String: Any] { try await client.get("/api/servers/\(id)").object }

    /// Whether server `id` is in Error because its Caddy does not answer.
    func showsCaddyDown(_ id: Int64) async throws -> Bool {
        let record = try await server(id)
        return record["status"] as? String == "error" && (record["last_error"] as? String)?.contains("Caddy does not answer") == true
    }

    /// Polls `condition` every 200 ms for up to `seconds`; records an issue naming `what` if it
    /// never holds.
    func eventually(_ what: String, seconds: Int = 20, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        // Once more after the deadline: a test whose threads were starved may not have looked meanwhile.
        if try await condition() { return }
        throw TestSetupError(
            "never happened within \(seconds) s: \(what)\n\(remotes.values.map { "--- \($0.server.name)\n\($0.server.agentLog.suffix(3000))" }.joined())\n--- controller\n\(controller.output.suffix(3000))"
        )
    }

    /// Waits until server `id` is online and runs its current desired revision.
    func converged(_ id: Int64, seconds: Int = 20) async throws {
        try await eventually("server \(id) online at its desired revision", seconds: seconds) {
            let server = try await server(id)
            return server["status"] as? String == "online" && (server["applied_revision"] as? NSNumber) == (server["desired_revision"] as? NSNumber)
        }
    }

    func remove() {
        for (server, _) in remotes.values { server.remove() }
        localUpstream.stop()
        controller.remove()
    }
}
