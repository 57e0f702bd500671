import Foundation
import TestSupport
import Host
import Testing

@Suite struct PipelineDefinitionTests {
    @Test func readsIdsAndStepsWithConfig() throws {
        let pipelines = try PipelineDefinition.parseAll(
            Array(
                """
                {"apply": ["posternproxy.caddy", "posternproxy.iptables"],
                 "provision": [{"plugin": "com.example.motd", "config": {"text": "hi", "path": "/etc/motd"}}]}
                """.utf8))
        #expect(pipelines["apply"]?.steps.map(\.plugin) == ["posternproxy.caddy", "posternproxy.iptables"])
        #expect(pipelines["apply"]?.steps.first?.config == Array("{}".utf8))
        #expect(pipelines["provision"]?.steps.first?.config == Array(#"{"path":"/etc/motd","text":"hi"}"#.utf8))
    }

    @Test(arguments: [
        (#"[]"#, "pipeline configuration must be a JSON object of pipeline name → list of steps"),
        ("{\"apply\": [\n  \"posternproxy.caddy\",\n]}", "pipeline configuration is not JSON: unexpected character at byte 36 (line 3, column 1)"),
        (#"{"apply": "posternproxy.caddy"}"#, "pipeline configuration: apply must be a list of steps"),
        (#"{"apply": [42]}"#, "pipeline configuration: apply[0] must be a plugin id or {\"plugin\", \"config\"}"),
        (#"{"apply": [{"config": {}}]}"#, "pipeline configuration: apply[0].plugin must be a plugin id"),
        (#"{"apply": [{"plugin": "a.b", "shell": "rm -rf /"}]}"#, "pipeline configuration: apply[0].shell is not a step field (plugin, config)"),
    ])
    func refusesMalformedDocumentsNamingThePath(document: String, message: String) {
        #expect(throws: Error.self) { try PipelineDefinition.parseAll(Array(document.utf8)) }
        do {
            _ = try PipelineDefinition.parseAll(Array(document.utf8))
        } catch {
            #expect(error.description == message)
        }
    }
}
