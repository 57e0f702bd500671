import Foundation
import Testing
import TestSupport

/// An agent that keeps its connection open (it even heartbeats) but stopped reading: the
/// controller's writes to it wait, and after the write timeout its connection is dropped, so it
/// holds no queue of states and no other server waits for it; when it comes back it resyncs.
@Suite(.serialized) struct StalledAgentTests {
    @Test(.disabled("passes alone (6.5 s) but in the full CI run the controller never reported the stall within 300 hosts; to be diagnosed"))
    func anAgentThatStoppedReadingIsDroppedWhileOthersKeepTheirChanges() async throws {
        let controller = try ControllerProcess(extraEnvironment: ["POSTERNPROXY_AGENT_WRITE_TIMEOUT": "3"])
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        var ids: [String: Int64] = [:]
        var tokens: [String: String] = [:]
        for name in ["stalled", "healthy"] {
            let id = try #require(try await client.post("/api/servers", ["name": name, "hostname": "203.0.113.40"]).id)
            ids[name] = id
            tokens[name] = try #require(try await client.post("/api/servers/\(id)/token").object["token"] as? String)
        }
        let healthy = try RealAgent(controllerPort: controller.port, token: try #require(tokens["healthy"]))
        defer { healthy.stop() }
        let stalled = try ChildProcess(
            [
                "python3", TestEnvironment.fixture("agent_probe.py"), "127.0.0.1", String(controller.port), try #require(tokens["stalled"]), "stall",
                "600",
            ],
            in: controller.folder.path, logName: "stalled-agent")
        // It stalls far longer than a loaded machine needs to fill its connection; it ends when
        // dropped, or when the test stops it.
        defer { stalled.stop() }
        func status(_ name: String) async throws -> [String: Any] { try await client.get("/api/servers/\(ids[name]!)").object }
        try await eventually("both agents are online", seconds: 30) {
            let stalledStatus = try await status("stalled")["status"] as? String
            let healthyStatus = try await status("healthy")["status"] as? String
            return stalledStatus == "online" && healthyStatus == "online"
        }

        // Large states for the server whose agent reads nothing (about 12 KB more per host), until
        // the controller's writes to it have waited out the timeout; a change for the other server
        // every ten.
        var created = 0
        while created < 300, !controller.output.contains("agent stopped reading") {
            let names = (0..<100).map { "\(String(repeating: "x", count: 60)).long-label-for-a-large-desired-state.\(created)-\($0).stall.test" }
            let host = try await client.post(
                "/api/proxy-hosts", ["domain_names": names, "forward_host": "127.0.0.1", "forward_port": 8001, "server_id": ids["stalled"]!])
            #expect(host.status == 201, "\(host.object)")
            if created % 10 == 0 {
                _ = try await client.post(
                    "/api/proxy-hosts",
                    ["domain_names": ["healthy-\(created).test"], "forward_host": "127.0.0.1", "forward_port": 8001, "server_id": ids["healthy"]!])
            }
            created += 1
        }
        try await eventually("the controller drops the agent that stopped reading", seconds: 30) {
            controller.output.contains("agent stopped reading")
        }
        try await eventually("its server is Offline", seconds: 30) { try await status("stalled")["status"] as? String == "offline" }
        try await eventually("the stalled agent sees its connection let go", seconds: 60) { stalled.output.contains("DROPPED") }
        #expect(!stalled.output.contains("STILL OPEN"))

        // The other server kept up all along, and the dropped one catches up when its agent is back.
        func applied(_ server: [String: Any]) -> Bool {
            server["status"] as? String == "online" && (server["applied_revision"] as? NSNumber) == (server["desired_revision"] as? NSNumber)
        }
        try await eventually("the healthy agent runs its latest revision", seconds: 30) { applied(try await status("healthy")) }
        stalled.stop()
        let back = try RealAgent(controllerPort: controller.port, token: try #require(tokens["stalled"]))
        defer { back.stop() }
        try await eventually("the dropped server resyncs when its agent is back", seconds: 60) { applied(try await status("stalled")) }
        #expect(try await client.get("/api/auth/me").status == 200)
    }
}
