import Foundation
import Testing
import TestSupport

/// A controller restarted under its agents: they were told over how long to spread their
/// reconnections, come back by ticket (no refusal, no bcrypt queue), and every one converges on
/// its server's latest revision, after a graceful stop and after a kill alike.
@Suite(.serialized) struct RestartStormTests {
    @Test(arguments: ["SIGTERM", "SIGKILL"])
    func agentsComeBackAfterAControllerRestartAndConvergeOnTheirLatestRevision(signal: String) async throws {
        let controller = try ControllerProcess(extraEnvironment: ["POSTERNPROXY_AGENT_HEARTBEAT": "1", "POSTERNPROXY_AGENT_OFFLINE_AFTER": "4"])
        defer { controller.remove() }
        var client = try await controller.loggedIn()
        var ids: [Int64] = []
        var agents: [RealAgent] = []
        defer { agents.forEach { $0.stop() } }
        for n in 0..<12 {
            let created = try await client.post("/api/servers", ["name": "storm-\(n)", "hostname": "203.0.113.\(n + 10)"])
            let id = try #require(created.id, "\(created.object)")
            let token = try #require(try await client.post("/api/servers/\(id)/token").object["token"] as? String)
            ids.append(id)
            agents.append(try RealAgent(controllerPort: controller.port, token: token))
        }
        func converged(_ client: APIClient) async throws -> Bool {
            for id in ids {
                let server = try await client.get("/api/servers/\(id)").object
                guard server["status"] as? String == "online",
                    (server["applied_revision"] as? NSNumber) == (server["desired_revision"] as? NSNumber)
                else { return false }
            }
            return true
        }
        try await eventually("every agent is online and applied", seconds: 60) { try await converged(client) }
        #expect(agents.allSatisfy { $0.process.output.contains("connected to the controller") })

        if signal == "SIGTERM" {
            #expect(controller.terminate(within: 30))
        } else if let pid = controller.pid {
            kill(pid, SIGKILL)
            #expect(controller.waitForExit(within: 30))
        }
        try controller.start()
        client = try await controller.loggedIn()
        // A change for every server, made while its agent may still be on its way back.
        for id in ids {
            _ = try await client.post(
                "/api/proxy-hosts", ["domain_names": ["storm-\(id).test"], "forward_host": "127.0.0.1", "forward_port": 8001, "server_id": id])
        }
        try await eventually("every agent is back and runs its latest revision", seconds: 60) { try await converged(client) }
        #expect(!controller.output.contains("agent connection refused"), "every agent came back by ticket or token at once")
    }

    /// An agent that comes back running its server's desired revision, with the hash it last
    /// reported applying, is sent nothing (no new revision, no state); one that runs something
    /// else at that revision is sent the state again, at that same revision.
    @Test func anAgentThatComesBackRunningTheDesiredStateIsSentNothing() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        let id = try #require(try await client.post("/api/servers", ["name": "resume", "hostname": "203.0.113.30"]).id)
        let token = try #require(try await client.post("/api/servers/\(id)/token").object["token"] as? String)
        _ = try await client.post(
            "/api/proxy-hosts", ["domain_names": ["resume.test"], "forward_host": "127.0.0.1", "forward_port": 8001, "server_id": id])
        let agent = try RealAgent(controllerPort: controller.port, token: token)
        func server() async throws -> [String: Any] { try await client.get("/api/servers/\(id)").object }
        try await eventually("the agent applied the state", seconds: 60) {
            let now = try await server()
            return now["status"] as? String == "online" && (now["applied_revision"] as? NSNumber) == (now["desired_revision"] as? NSNumber)
        }
        agent.stop()
        try await eventually("its server is Offline", seconds: 30) { try await server()["status"] as? String == "offline" }
        let before = try await server()
        let revision = try #require((before["applied_revision"] as? NSNumber)?.int64Value)
        let hash = try #require(before["applied_hash"] as? String)

        let resumed = try AgentProtocolHostileTests.Setup.probe(port: controller.port, token, "resume", "\(revision):\(hash)")
        #expect(resumed.first == "STATUS 101")
        #expect(resumed.contains { $0.contains("\"welcome\"") }, "\(resumed)")
        #expect(!resumed.contains { $0.contains("\"desired_state\"") }, "\(resumed)")
        #expect((try await server()["desired_revision"] as? NSNumber)?.int64Value == revision)

        let other = try AgentProtocolHostileTests.Setup.probe(
            port: controller.port, token, "resume", "\(revision):\(String(repeating: "0", count: 64))")
        let state = try #require(other.first { $0.contains("\"desired_state\"") }, "\(other)")
        #expect(state.contains("\"revision\": \(revision)") && state.contains("resume.test"), "\(state.prefix(300))")
    }

    /// A connection that outlives half a ticket's life is welcomed again with a fresh ticket (here
    /// every second), so the ticket an agent holds always readmits it; the real agent keeps it
    /// without reconnecting or restarting its timers.
    @Test func aLongConnectionIsGivenFreshTicketsAndTheAgentKeepsItsConnection() async throws {
        let controller = try ControllerProcess(extraEnvironment: [
            "POSTERNPROXY_AGENT_TICKET_RENEWAL_SECONDS": "1", "POSTERNPROXY_AGENT_HEARTBEAT": "1",
        ])
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        let id = try #require(try await client.post("/api/servers", ["name": "renewal", "hostname": "203.0.113.31"]).id)
        let token = try #require(try await client.post("/api/servers/\(id)/token").object["token"] as? String)

        let lines = try AgentProtocolHostileTests.Setup.probe(port: controller.port, token, "beat", "5")
        let welcomes = lines.filter { $0.hasPrefix("MESSAGE ") && $0.contains("\"welcome\"") }
        let tickets = Set(
            welcomes.compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.dropFirst(8).utf8)) as? [String: Any])?["ticket"] as? String
            })
        #expect(welcomes.count >= 3 && tickets.count == welcomes.count, "\(welcomes)")

        let agent = try RealAgent(controllerPort: controller.port, token: token)
        defer { agent.stop() }
        try await eventually("the agent is connected", seconds: 30) { agent.process.output.contains("connected to the controller") }
        try await Task.sleep(for: .seconds(4))
        let connected = agent.process.output.components(separatedBy: "connected to the controller").count - 1
        #expect(connected == 1, "\(agent.process.output.suffix(2000))")
        #expect(try await client.get("/api/servers/\(id)").object["status"] as? String == "online")
    }
}
