import JSONCore
import Testing
import TestSupport

@testable import Host

/// A plugin's declaration (ABI 1.2): the JSON Schema its step config is checked against, with
/// defaults filled in, and what it needs; refused at load when it is not what the header says.
@Suite struct PluginDeclarationTests {
    private func schema(_ text: String) throws -> ConfigSchema { try ConfigSchema(JSONParser.parse(Array(text.utf8))) }
    private func json(_ text: String) throws -> JSON { try JSONParser.parse(Array(text.utf8)) }

    @Test func aConfigIsCheckedMemberByMemberAndEveryProblemNamed() throws {
        let schema = try schema(
            """
            {"type": "object", "required": ["jail", "port"], "additionalProperties": false,
             "properties": {"jail": {"type": "string", "pattern": "^[a-z-]+$", "maxLength": 20},
                            "port": {"type": "integer", "minimum": 1, "maximum": 65535},
                            "mode": {"enum": ["ban", "log"], "default": "ban"},
                            "paths": {"type": "array", "items": {"type": "string", "minLength": 1}}}}
            """)
        #expect(schema.problems(in: try json(#"{"jail": "sshd", "port": 22}"#)).isEmpty)
        let problems = schema.problems(
            in: try json(#"{"jail": "$(reboot)", "port": 70000, "mode": "drop", "paths": ["", 3], "extra": true}"#)
        ).map(\.description)
        #expect(
            problems == [
                "config.jail must match ^[a-z-]+$", "config.port must be at most 65535", #"config.mode must be one of "ban", "log""#,
                "config.paths[0] must be at least 1 characters", "config.paths[1] must be string, not an integer",
                "config.extra is not a known member (jail, port, mode, paths)",
            ])
        #expect(schema.problems(in: try json("{}")).map(\.description) == ["config.jail is required", "config.port is required"])
        #expect(schema.problems(in: try json("[]")).map(\.description) == ["config must be object, not a list"])
        // Defaults fill what is missing, and nothing else.
        let filled = schema.withDefaults(try json(#"{"jail": "sshd", "port": 22}"#))
        #expect(filled["mode"] == "ban")
        #expect(schema.withDefaults(try json(#"{"mode": "log"}"#))["mode"] == "log")
    }

    @Test func aSchemaWithAKeywordHostsDoNotEnforceIsRefused() throws {
        #expect(throws: SchemaProblem.self) { try schema(#"{"type": "object", "oneOf": []}"#) }
        #expect(throws: SchemaProblem.self) { try schema(#"{"type": "text"}"#) }
        #expect(throws: SchemaProblem.self) { try schema(#"{"type": "string", "pattern": "(["}"#) }
        #expect(throws: DeclarationProblem.self) { try PluginDeclaration(text: #"{"needs": {"network": ["x"]}}"#) }
        #expect(throws: DeclarationProblem.self) { try PluginDeclaration(text: "{not json") }
        let declared = try PluginDeclaration(text: #"{"needs": {"services": ["fail2ban"], "runs": ["fail2ban-client"]}}"#)
        #expect(declared.services == ["fail2ban"] && declared.runs == ["fail2ban-client"] && declared.configSchema == nil)
    }

    @Test func theCExampleDeclaresItsSchemaAndTheHostFillsItsDefault() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let output = folder.file("libmotd.so")
        try CCompiler.compile([
            "-shared", "-fPIC", "-I", TestEnvironment.headerFolder, "-o", output, "\(TestEnvironment.packageRoot)/Examples/MotdPlugin/motd_plugin.c",
        ])
        let plugin = try PluginLoader(host: HostIdentity(name: "posternproxy-tests", version: "0")).load(output)
        let declaration = try #require(plugin.declaration)
        #expect(declaration.writes == ["/etc/motd"])
        let config = try JSONParser.parse(try plugin.checkedConfig(Array(#"{"text": "hi"}"#.utf8)))
        #expect(config["path"] == "/etc/motd")
        #expect(throws: DeclarationProblem.self) { try plugin.checkedConfig(Array(#"{"path": "/etc/motd"}"#.utf8)) }
        // An apply pipeline's host settings pass unchecked beside the step's own members.
        let applied = try JSONParser.parse(
            try plugin.checkedConfig(Array(#"{"text": "hi", "admin_socket": "/run/caddy.sock"}"#.utf8), hostSettings: ["admin_socket"]))
        #expect(applied["admin_socket"] == "/run/caddy.sock" && applied["path"] == "/etc/motd")
    }

    @Test func aDeclarationThatIsNotJSONIsRefusedAtLoadSayingWhere() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let source = PluginSources.step(table: "{ sizeof(pp_step_v1), plan, apply, verify, rollback }")
            .replacingOccurrences(of: ".kinds = PP_KIND_STEP,", with: #".kinds = PP_KIND_STEP, .declaration = "{\"needs\": 3}","#)
        let file = try CCompiler.sharedObject(source, named: "declared.so", in: folder)
        #expect {
            _ = try PluginLoader(host: HostIdentity(name: "posternproxy-tests", version: "0")).load(file)
        } throws: { error in
            (error as? PluginLoadError)?.description.contains("declaration needs is not an object") == true
        }
    }
}
