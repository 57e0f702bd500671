import Foundation
import Testing
import TestSupport

/// `POSTERNPROXY_LOG_FORMAT=json`: the controller and the agent write one JSON object a line with
/// stable field names; a value that is neither text nor json stops them with the variable named.
@Suite struct LogFormatTests {
    private func records(_ output: String) -> [[String: Any]] {
        output.split(separator: "\n").filter { $0.hasPrefix("{") }.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    @Test func theControllerWritesOneJSONObjectALine() async throws {
        let controller = try ControllerProcess(extraEnvironment: ["POSTERNPROXY_LOG_FORMAT": "json"])
        defer { controller.remove() }
        _ = try await controller.loggedIn()
        let lines = controller.output.split(separator: "\n").filter { $0.hasPrefix("{") }
        let parsed = records(controller.output)
        #expect(!parsed.isEmpty && parsed.count == lines.count, "\(controller.output.suffix(2000))")
        for record in parsed {
            #expect(record["ts"] is String && record["level"] is String && record["logger"] is String && record["message"] is String)
        }
        #expect(parsed.contains { ($0["message"] as? String)?.contains("listening on") == true })
        #expect(parsed.contains { $0["message"] as? String == "connection limits" && ($0["metadata"] as? [String: Any])?["max_connections"] != nil })
    }

    @Test func anUnknownLogFormatStopsTheControllerAndTheAgentNamingTheVariable() async throws {
        #expect(throws: (any Error).self) { try ControllerProcess(extraEnvironment: ["POSTERNPROXY_LOG_FORMAT": "xml"]) }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let agent = try ChildProcess(
            ["\(TestEnvironment.buildFolder)/posternproxy-agent", "--config", folder.file("missing.env")], in: folder.path,
            environment: ["POSTERNPROXY_LOG_FORMAT": "xml"], logName: "agent")
        agent.process.waitUntilExit()
        #expect(agent.process.terminationStatus == 2)
        #expect(agent.output.contains("POSTERNPROXY_LOG_FORMAT must be text or json"))
    }

    @Test func theAgentWritesOneJSONObjectALine() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.file("plugins"), withIntermediateDirectories: true)
        _ = try folder.write(
            "agent.env",
            """
            POSTERNPROXY_CONTROLLER_URL=http://127.0.0.1:1
            POSTERNPROXY_AGENT_TOKEN=ppg_1_secret
            POSTERNPROXY_PLUGINS_DIR=\(folder.file("plugins"))
            POSTERNPROXY_STATE_DIR=\(folder.file("state"))
            POSTERNPROXY_APPLY_PIPELINE=
            POSTERNPROXY_BACKOFF_MAX_SECONDS=1

            """)
        let agent = try ChildProcess(
            ["\(TestEnvironment.buildFolder)/posternproxy-agent", "--config", folder.file("agent.env")], in: folder.path,
            environment: ["POSTERNPROXY_LOG_FORMAT": "json"], logName: "agent")
        defer { agent.stop() }
        // Port 1: nothing listens there, so every attempt is refused at once.
        try await eventually("the agent logs its failed connection") { agent.output.contains("controller connection failed") }
        let parsed = records(agent.output)
        #expect(!parsed.isEmpty, "\(agent.output.suffix(2000))")
        let failed = parsed.first { $0["message"] as? String == "controller connection failed" }
        #expect(failed?["level"] as? String == "warning" && failed?["logger"] as? String == "posternproxy-agent")
        #expect((failed?["metadata"] as? [String: Any])?["url"] as? String != nil)
    }
}
