import Foundation
import Testing
import TestSupport

/// An agent that keeps its connection open (it even heartbeats) but stopped reading: the
/// controller's writes to it wait, and after the write timeout its connection is dropped, so it
/// holds no queue of states and no other server waits for it; when it comes back it resyncs.
@Suite(.serialized) struct StalledAgentTests {
    @Test func anAgentThatStoppedReadingIsDroppedWhileOthersKeepTheirChanges() async throws {
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

        // Before its agent connects, the stalled server's state grows larger than the kernel's
        // largest send buffer (about 400 KB of header rules per host), so the first full sync
        // cannot all be taken by an agent that reads nothing, and the write after it must wait.
        let largestSendBuffer = try Self.largestSendBuffer()
        let bulkyRules = (0..<100).map {
            ["direction": "response", "action": "set", "name": "X-Pad-\($0)", "value": String(repeating: "p", count: 4000)]
        }
        for index in 0...(largestSendBuffer / 400_000 + 2) {
            let host = try await client.post(
                "/api/proxy-hosts",
                [
                    "domain_names": ["bulky-\(index).stall.test"], "forward_host": "127.0.0.1", "forward_port": 8001, "server_id": ids["stalled"]!,
                    "headers": bulkyRules,
                ])
            #expect(host.status == 201, "\(host.object)")
        }
        let stalled = try ChildProcess(
            [
                "python3", TestEnvironment.fixture("agent_probe.py"), "127.0.0.1", String(controller.port), try #require(tokens["stalled"]), "stall",
                "600",
            ],
            in: controller.folder.path, logName: "stalled-agent")
        // It stalls far longer than the test needs; it ends when dropped, or when the test stops it.
        defer { stalled.stop() }
        func status(_ name: String) async throws -> [String: Any] { try await client.get("/api/servers/\(ids[name]!)").object }
        try await eventually("both agents are online", seconds: 30) {
            let stalledStatus = try await status("stalled")["status"] as? String
            let healthyStatus = try await status("healthy")["status"] as? String
            return stalledStatus == "online" && healthyStatus == "online"
        }

        // A change a second for each server, until the controller's write to the stalled one has
        // waited out the timeout.
        var changes = 0
        while changes < 30, !controller.output.contains("agent stopped reading") {
            for name in ["stalled", "healthy"] {
                let host = try await client.post(
                    "/api/proxy-hosts",
                    ["domain_names": ["\(name)-\(changes).stall.test"], "forward_host": "127.0.0.1", "forward_port": 8001, "server_id": ids[name]!])
                #expect(host.status == 201, "\(host.object)")
            }
            changes += 1
            try await Task.sleep(for: .seconds(1))
        }
        do {
            try await eventually("the controller drops the agent that stopped reading", seconds: 30) {
                controller.output.contains("agent stopped reading")
            }
        } catch {
            Issue.record("the controller's log ends: \(controller.output.suffix(3000))\nthe stalled agent's: \(stalled.output.suffix(500))")
            throw error
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

    /// The most a socket's send buffer may grow to (the last of `net.ipv4.tcp_wmem`).
    private static func largestSendBuffer() throws -> Int {
        let text = try String(contentsOfFile: "/proc/sys/net/ipv4/tcp_wmem", encoding: .utf8)
        return try #require(text.split(whereSeparator: \.isWhitespace).last.flatMap { Int($0) })
    }
}
