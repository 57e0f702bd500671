import CaddyL4Rendering
import Foundation
import TestSupport
import Host
import Testing

/// The C example plugin and a Swift plugin, as built by `swift build`, loaded into one host and
/// called through the ABI.
@Suite struct SideBySideTests {
    let loader = PluginLoader(host: HostIdentity(name: "posternproxy-tests", version: "0"))

    private func catalog(extra: [String] = []) throws -> PluginCatalog {
        var catalog = PluginCatalog()
        for file in try [TestEnvironment.builtPlugin("PosternProxyExampleMotd"), TestEnvironment.builtPlugin("PosternProxyCaddyL4")] + extra {
            catalog.add(file: file, loader: loader)
        }
        #expect(catalog.refusals.isEmpty, "\(catalog.refusals)")
        return catalog
    }

    @Test func bothLoadAndDescribeThemselves() throws {
        let catalog = try catalog()
        let motd = try #require(catalog.plugin(id: "com.example.motd"))
        let caddy = try #require(catalog.plugin(id: "posternproxy.caddy"))
        #expect(motd.kinds == .step)
        #expect(motd.providedInterfaces == ["posternproxy.step/1"])
        #expect(caddy.kinds == [.renderer, .step])
        #expect(caddy.providedInterfaces == ["posternproxy.renderer/1", "posternproxy.step/1"])
    }

    @Test func theSwiftRendererGivesTheSameBytesThroughTheABIAsCalledDirectly() throws {
        let caddy = try #require(try catalog().plugin(id: "posternproxy.caddy"))
        let state = Array(
            """
            {"revision": 4, "proxy_hosts": [
              {"id": 7, "domain_names": ["app.example.test", "www.example.test"], "forward_scheme": "http",
               "forward_host": "127.0.0.1", "forward_port": 8080, "enabled": true},
              {"id": 8, "domain_names": ["off.example.test"], "forward_scheme": "https",
               "forward_host": "10.0.0.2", "forward_port": 443, "enabled": false}]}
            """.utf8)
        let settings = Array(#"{"http_port": 8081}"#.utf8)  // renderer settings, snake_case
        let throughABI = try caddy.render(state, config: settings)
        #expect(throughABI == (try CaddyRenderer.render(input: state, settings: settings)))
        let config = try #require(try JSONSerialization.jsonObject(with: Data(throughABI)) as? [String: Any])
        let server = try #require(((config["apps"] as? [String: Any])?["http"] as? [String: Any])?["servers"] as? [String: Any])
        let http = try #require(server["http"] as? [String: Any])
        #expect(http["listen"] as? [String] == [":8081"])
        #expect((http["routes"] as? [[String: Any]])?.map { $0["@id"] as? String } == ["proxy_host_7", "catch_all"])
    }

    @Test func aRendererErrorCrossesTheABIAsAMessage() throws {
        let caddy = try #require(try catalog().plugin(id: "posternproxy.caddy"))
        do {
            _ = try caddy.render(Array(#"{"proxy_hosts": "not a list"}"#.utf8))
            Issue.record("rendered malformed desired state")
        } catch {
            #expect(error.plugin == "posternproxy.caddy")
            #expect(error.message == "desired state: proxy_hosts: expected a list")
        }
    }

    @Test func theCExampleStepAppliesConvergesAndRollsBack() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let sandbox = folder.file("target")
        _ = try folder.write("target/etc/motd", "old text\n")
        let recorder = try CCompiler.fixture("recorder_step.c", named: "librecorder.so", in: folder)
        let runner = PipelineRunner(catalog: try catalog(extra: [recorder]))
        let motd = PipelineDefinition.Step(plugin: "com.example.motd", config: Array(#"{"text": "Managed by PosternProxy\n"}"#.utf8))
        let target = LocalTarget(root: sandbox)

        func run(_ steps: [PipelineDefinition.Step]) async throws -> PipelineReport {
            try await runner.start(PipelineDefinition(name: "motd", steps: steps), input: Array("{}".utf8), target: target).report()
        }

        // A later step fails: the C step's rollback restores the previous content.
        let failing = PipelineDefinition.Step(plugin: "com.example.recorder", config: Array(#"{"fail":"apply","name":"later"}"#.utf8))
        let failed = try await run([motd, failing])
        #expect(failed.rollbackOrder == ["com.example.recorder", "com.example.motd"])
        #expect(try String(contentsOfFile: "\(sandbox)/etc/motd", encoding: .utf8) == "old text\n")

        // Applied for real, then a second run has nothing to change.
        let applied = try await run([motd])
        #expect(applied.steps.map(\.outcome) == [.applied(changes: 1)])
        #expect(try String(contentsOfFile: "\(sandbox)/etc/motd", encoding: .utf8) == "Managed by PosternProxy\n")
        let again = try await run([motd])
        #expect(again.steps.map(\.outcome) == [.unchanged])
    }
}
