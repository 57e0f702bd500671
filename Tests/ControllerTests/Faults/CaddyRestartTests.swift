import Foundation
import Host
import Testing
import TestSupport

/// A Caddy that stops, or restarts without its config, is noticed within seconds and given the
/// applied state again, without a new change and long before the periodic reconcile; the server
/// shows the problem meanwhile.
@Suite(.serialized) struct CaddyRestartTests {
    @Test func anAgentsCaddyRestartedEmptyServesAgainWithinSecondsAndTheServerShowedTheProblem() async throws {
        let setup = try await MultiServerSetup()
        defer { setup.remove() }
        let (server, serverID, token) = try await setup.addRemoteWithoutAgent("edge")
        // The periodic reconcile is out of the way: only the watch can put Caddy right.
        try server.startAgent(
            controllerURL: "http://\(server.hostAddress):\(setup.controller.port)", token: token, extra: ["POSTERNPROXY_RECONCILE_SECONDS=3600"])
        let host = try await setup.addHost("watched.test", serverID: serverID)
        let applyStatus = { try await setup.client.get("/api/proxy-hosts/\(host)").object["apply_status"] as? [String: Any] ?? [:] }
        try await setup.converged(serverID)
        #expect(server.get("watched.test").upstream == "edge")

        server.killCaddy()
        try await setup.eventually("the server shows that its Caddy does not answer", seconds: 10) { try await setup.showsCaddyDown(serverID) }
        let failed = try await applyStatus()
        #expect(failed["status"] as? String == "failed" && (failed["message"] as? String)?.hasPrefix("not served: Caddy does not answer") == true)
        try server.startCaddy()  // empty, as a Caddy restarted without --resume
        try await setup.eventually("the restarted Caddy serves the applied state again", seconds: 5) {
            server.get("watched.test").upstream == "edge"
        }
        try await setup.eventually("the server is online again", seconds: 10) {
            let record = try await setup.server(serverID)
            return record["status"] as? String == "online" && record["last_error"] is NSNull
        }
        try await setup.eventually("the host is applied again") { try await applyStatus()["status"] as? String == "applied" }
        #expect(server.agentLog.contains("the data plane does not serve the applied state"))
        // Probing a Caddy that does not answer never held up the agent's heartbeats.
        #expect(!setup.controller.output.contains("agent silent"))
    }

    @Test func aServerWhoseCaddyIsDownShowsTheProblemAgainWhenItsAgentReconnects() async throws {
        let setup = try await MultiServerSetup()
        defer { setup.remove() }
        let (server, serverID) = try await setup.addRemote("edge")
        _ = try await setup.addHost("down.test", serverID: serverID)
        try await setup.converged(serverID)
        server.killCaddy()
        try await setup.eventually("the server shows that its Caddy does not answer", seconds: 10) { try await setup.showsCaddyDown(serverID) }

        // The agent goes away and comes back while Caddy is still down: the problem it reports
        // again is the one recorded, and the server must not look online meanwhile.
        server.killAgent()
        try await setup.eventually("the server is offline", seconds: 10) { try await setup.server(serverID)["status"] as? String == "offline" }
        try server.restartAgent()
        try await setup.eventually("the agent is connected again", seconds: 20) {
            try await setup.server(serverID)["status"] as? String != "offline"
        }
        #expect(try await setup.showsCaddyDown(serverID))
        try await Task.sleep(for: .seconds(3))  // a status report or two later
        #expect(try await setup.showsCaddyDown(serverID))
        #expect(!server.currentAgentLog.contains("problem=none"), "\(server.currentAgentLog)")
    }

    @Test func theLocalCaddyGivenAnotherConfigGetsTheAppliedStateBackWithinSeconds() async throws {
        let setup = try await MultiServerSetup()
        defer { setup.remove() }
        _ = try await setup.addHost("local-watched.test", serverID: 1, port: setup.localUpstream.port)
        let answers = { (try? HTTPProbe.request("/", host: "local-watched.test", port: setup.localHTTPPort))?.upstream == "local" }
        try await setup.eventually("the local host answers") { answers() }

        // Someone loads another config into the local Caddy through its admin socket.
        let data = setup.controller.folder.file("data")
        let socket = ["\(data)/caddy/admin.sock", "\(data)-caddy/admin.sock"].first { FileManager.default.fileExists(atPath: $0) }
        let replaced = try LocalTarget().run(
            TargetCommand(argv: [
                "curl", "-sS", "--unix-socket", try #require(socket), "-H", "Content-Type: application/json",
                "--data", #"{"admin": {"listen": "unix/\#(socket!)"}}"#, "http://caddy/load",
            ]), onLine: { _ in }, isCancelled: { false })
        #expect(replaced.exitStatus == 0)
        try await setup.eventually("the local Caddy serves the applied state again", seconds: 5) { answers() }
        #expect(setup.controller.output.contains("the local data plane does not serve the applied state"))
        try await setup.eventually("the local server is online", seconds: 10) {
            try await setup.server(1)["status"] as? String == "online"
        }
    }
}
