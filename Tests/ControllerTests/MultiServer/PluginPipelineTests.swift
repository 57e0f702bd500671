import Crypto
import Foundation
import Testing
import TestSupport

/// A plugin author's step reaching a remote server: built from the C example with one `cc`
/// command, uploaded to the controller's catalog, added to the server's apply pipeline through
/// the API, fetched and verified by the agent in its namespace, run there, replaced by a new
/// version, and rolled back when it leaves the pipeline. And what is refused on the way.
@Suite(.serialized) struct PluginPipelineTests {
    /// The C example of PLUGINS.md at `version`, built as its header says.
    static func motdPlugin(version: String, in folder: TemporaryFolder) throws -> (path: String, codeLines: Int) {
        var source = try String(contentsOfFile: "\(TestEnvironment.packageRoot)/Examples/MotdPlugin/motd_plugin.c", encoding: .utf8)
        source = source.replacingOccurrences(of: "\"com.example.motd\", \"1.0.0\"", with: "\"com.example.motd\", \"\(version)\"")
        let code = source.replacing(#/(?s)/\*.*?\*/|//[^\n]*/#, with: "")
        let lines = code.split(separator: "\n").filter { !$0.allSatisfy(\.isWhitespace) }.count
        let file = try folder.write("motd-\(version).c", source)
        let output = folder.file("libmotd-\(version).so")
        try CCompiler.compile(["-shared", "-fPIC", "-I", TestEnvironment.headerFolder, "-o", output, file])
        return (output, lines)
    }

    static func upload(_ file: String, _ client: APIClient, signature: String? = nil) async throws -> APIClient.Answer {
        var client = client
        if let signature { client.headers["X-Plugin-Signature"] = signature }
        return try await client.send("POST", "/api/plugins", raw: try Data(contentsOf: URL(fileURLWithPath: file)))
    }

    static func steps(_ server: [String: Any]) -> [String] { server["apply_steps"] as? [String] ?? [] }

    @Test func aCStepIsUploadedRunOnARemoteServerReplacedAndRolledBack() async throws {
        let setup = try await MultiServerSetup()
        defer { setup.remove() }
        let (remote, id) = try await setup.addRemote("plugins")
        _ = try await setup.addHost("site.plugins.test", serverID: id)
        try await setup.converged(id)
        #expect(remote.get("site.plugins.test").status == 200)
        // The agent's memory when idle, to compare with once it runs a plugin from the catalog.
        try await Task.sleep(for: .seconds(5))
        let residentBefore = try #require(remote.agentResidentKiB)

        let build = try TemporaryFolder()
        defer { build.remove() }
        let first = try Self.motdPlugin(version: "1.0.0", in: build)
        #expect(first.codeLines < 60, "the SDK example is \(first.codeLines) lines of code")
        let uploaded = try await Self.upload(first.path, setup.client)
        #expect(uploaded.status == 201, "\(uploaded.object)")
        let sha1 = try #require(uploaded.object["sha256"] as? String)
        let declaration = try #require(uploaded.object["declaration"] as? [String: Any], "the declaration is shown before enabling")
        #expect((declaration["needs"] as? [String: Any])?["writes"] as? [String] == ["/etc/motd"])
        // The same bytes again are the same entry; listed once.
        #expect(try await Self.upload(first.path, setup.client).object["sha256"] as? String == sha1)
        #expect(try await setup.client.get("/api/plugins").items.count == 1)

        // A config the plugin's schema refuses is refused by the API, naming the field; nothing is stored.
        let motdFile = remote.folder.file("motd")
        let refused = try await setup.client.put(
            "/api/servers/\(id)/pipelines/apply",
            ["steps": [["plugin": "posternproxy.caddy"], ["plugin": "com.example.motd", "config": ["path": motdFile]]]])
        #expect(refused.status == 400 && refused.errorField == "steps[1].config.text", "\(refused.object)")
        let hostile = try await setup.client.put(
            "/api/servers/\(id)/pipelines/apply",
            ["steps": [["plugin": "com.example.motd", "config": ["text": "x", "path": "relative/$(reboot)"]]]])
        #expect(hostile.status == 400 && hostile.errorField == "steps[0].config.path", "\(hostile.object)")
        let taken = try await setup.client.put(
            "/api/servers/\(id)/pipelines/apply", ["steps": [["plugin": "com.example.motd", "config": ["text": "x", "admin_socket": "/tmp/x"]]]])
        #expect(taken.status == 400 && taken.errorField == "steps[0].config.admin_socket", "\(taken.object)")
        #expect(try await setup.client.get("/api/servers/\(id)/pipelines/apply").object["own"] is NSNull)

        let put = try await setup.client.put(
            "/api/servers/\(id)/pipelines/apply",
            ["steps": [["plugin": "posternproxy.caddy"], ["plugin": "com.example.motd", "config": ["text": "first\n", "path": motdFile]]]])
        #expect(put.status == 200, "\(put.object)")
        try await setup.eventually("the agent ran the uploaded step", seconds: 60) {
            (try? String(contentsOfFile: motdFile, encoding: .utf8)) == "first\n"
        }
        try await setup.converged(id)
        #expect(Self.steps(try await setup.server(id)).contains("com.example.motd: applied 1 change(s)"))
        #expect(remote.get("site.plugins.test").status == 200, "the proxy hosts still serve through the pipeline kept as data")
        #expect(remote.agentLog.contains("fetching a plugin"))
        // Idle with one extra plugin loaded, the agent stays small: the plugin, the fetch and the
        // journals it keeps add under 2 MiB to what the same agent held before (it gives back
        // what an apply freed within two seconds). The release agent's whole footprint with a
        // catalog plugin is measured by Benchmarks/multiserver-benchmark.py: under 20 MB.
        try await Task.sleep(for: .seconds(5))
        let resident = try #require(remote.agentResidentKiB)
        #expect(resident - residentBefore < 2048, "idle: \(residentBefore) KiB before, \(resident) KiB with the plugin")

        // A new version replaces it.
        let second = try Self.motdPlugin(version: "1.1.0", in: build)
        let sha2 = try #require(try await Self.upload(second.path, setup.client).object["sha256"] as? String)
        #expect(sha2 != sha1)
        let replaced = try await setup.client.put(
            "/api/servers/\(id)/pipelines/apply",
            [
                "steps": [
                    ["plugin": "posternproxy.caddy"],
                    ["plugin": "com.example.motd", "version": "1.1.0", "config": ["text": "second\n", "path": motdFile]],
                ]
            ])
        #expect(((replaced.object["steps"] as? [[String: Any]])?.last?["sha256"] as? String) == sha2)
        try await setup.eventually("the new version ran", seconds: 60) { (try? String(contentsOfFile: motdFile, encoding: .utf8)) == "second\n" }
        try await setup.converged(id)
        // A file a pipeline names cannot be deleted; one no pipeline names can.
        #expect(try await setup.client.delete("/api/plugins/\(sha2)").status == 409)

        // Leaving the pipeline rolls its change back: the file it created is gone.
        #expect(try await setup.client.put("/api/servers/\(id)/pipelines/apply", ["steps": [["plugin": "posternproxy.caddy"]]]).status == 200)
        try await setup.eventually("the removed step was rolled back", seconds: 60) { !FileManager.default.fileExists(atPath: motdFile) }
        try await setup.converged(id)
        #expect(remote.get("site.plugins.test").status == 200)
        #expect(try await setup.client.delete("/api/plugins/\(sha1)").status == 204)
        let audit = try await setup.client.get("/api/audit-log?q=plugin").items.compactMap { $0["action"] as? String }
        #expect(audit.contains("uploaded") && audit.contains("deleted"))
    }

    @Test func aPluginThatDoesNotVerifyIsRefusedPerServerWhileThePreviousPipelineKeepsRunning() async throws {
        let signing = Curve25519.Signing.PrivateKey()
        let agentKey = Curve25519.Signing.PrivateKey().publicKey.rawRepresentation.base64EncodedString()
        let setup = try await MultiServerSetup()
        defer { setup.remove() }
        let (remote, id, token) = try await setup.addRemoteWithoutAgent("verify")
        // This agent trusts another key than the one the controller's uploads are signed with.
        try remote.startAgent(
            controllerURL: "http://\(remote.hostAddress):\(setup.controller.port)", token: token,
            extra: ["POSTERNPROXY_PLUGIN_SIGNING_KEY=\(agentKey)"])
        _ = try await setup.addHost("site.verify.test", serverID: id)
        try await setup.converged(id)

        let build = try TemporaryFolder()
        defer { build.remove() }
        let plugin = try Self.motdPlugin(version: "1.0.0", in: build).path
        let bytes = try Data(contentsOf: URL(fileURLWithPath: plugin))
        // With a signing key set, an upload needs a signature that verifies with it.
        let key = signing.publicKey.rawRepresentation.base64EncodedString()
        #expect(try await setup.client.put("/api/settings/plugin_signing_key", ["value": key]).status == 200)
        let unsigned = try await Self.upload(plugin, setup.client)
        #expect(unsigned.status == 400 && unsigned.errorField == "X-Plugin-Signature", "\(unsigned.object)")
        let forged = try await Self.upload(plugin, setup.client, signature: try signing.signature(for: Data("other".utf8)).base64EncodedString())
        #expect(forged.status == 400 && forged.errorField == "X-Plugin-Signature")
        let signed = try await Self.upload(plugin, setup.client, signature: try signing.signature(for: bytes).base64EncodedString())
        #expect(signed.status == 201 && signed.object["signed"] as? Bool == true, "\(signed.object)")

        // The agent refuses it (its signature does not verify with the agent's key), says why,
        // and keeps serving what it ran.
        let motdFile = remote.folder.file("motd")
        _ = try await setup.client.put(
            "/api/servers/\(id)/pipelines/apply",
            ["steps": [["plugin": "posternproxy.caddy"], ["plugin": "com.example.motd", "config": ["text": "x\n", "path": motdFile]]]])
        try await setup.eventually("the server reports the refusal", seconds: 60) {
            ((try await setup.server(id))["last_error"] as? String ?? "").contains("signature does not verify")
        }
        // The agent retries the state (every 2 s here) and says the same, without fetching again.
        try await Task.sleep(for: .seconds(5))
        #expect(((try await setup.server(id))["last_error"] as? String ?? "").contains("signature does not verify"))
        #expect(remote.agentLog.components(separatedBy: "fetching a plugin").count == 2, "fetched once")
        #expect(!FileManager.default.fileExists(atPath: motdFile))
        #expect(remote.get("site.verify.test").status == 200)

        // Plugins the loader refuses never enter the catalog: another ABI major, a crash in the
        // entry function; each says why.
        let other = try CCompiler.fixture("entry_step.c", named: "abi9.so", in: build, defines: ["ABI_MAJOR=9"])
        let crash = try CCompiler.fixture("entry_step.c", named: "crash.so", in: build, defines: ["CRASH_IN_ENTRY"])
        for (file, reason) in [(other, "ABI 9."), (crash, "crashed")] {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            let answer = try await Self.upload(file, setup.client, signature: try signing.signature(for: data).base64EncodedString())
            #expect(answer.status == 400 && (answer.errorMessage ?? "").contains(reason), "\(answer.object)")
        }
        #expect(try await setup.client.get("/api/plugins").items.count == 1)
    }

    /// A plugin an admin drops into the controller's plugins folder joins the catalog at start,
    /// by its SHA-256, and reaches a remote server like an upload; PosternProxy's own stay shipped.
    @Test func aPluginDroppedIntoThePluginsFolderJoinsTheCatalogAndReachesARemoteServer() async throws {
        let plugins = try TemporaryFolder()
        defer { plugins.remove() }
        try FileManager.default.copyItem(
            atPath: try TestEnvironment.builtPlugin("PosternProxyCaddyL4"), toPath: plugins.file("libPosternProxyCaddyL4.so"))
        _ = try Self.motdPlugin(version: "1.2.0", in: plugins)
        let setup = try await MultiServerSetup(environment: ["POSTERNPROXY_PLUGINS_DIR": plugins.path])
        defer { setup.remove() }
        let catalog = try await setup.client.get("/api/plugins")
        #expect(catalog.items.map { $0["plugin_id"] as? String } == ["com.example.motd"], "\(catalog.object)")
        #expect((catalog.object["bundled"] as? [[String: Any]])?.map { $0["plugin_id"] as? String } == ["posternproxy.caddy"])
        let (remote, id) = try await setup.addRemote("dropped")
        let motdFile = remote.folder.file("motd")
        let put = try await setup.client.put(
            "/api/servers/\(id)/pipelines/apply",
            ["steps": [["plugin": "posternproxy.caddy"], ["plugin": "com.example.motd", "config": ["text": "dropped\n", "path": motdFile]]]])
        #expect((put.object["steps"] as? [[String: Any]])?.last?["version"] as? String == "1.2.0", "\(put.object)")
        try await setup.eventually("the dropped plugin ran on the remote server", seconds: 60) {
            (try? String(contentsOfFile: motdFile, encoding: .utf8)) == "dropped\n"
        }
    }

    /// The Plugins page from a browser in another network namespace (Tests/Browser/plugins.py).
    @Test func anAdminOnAnotherMachineUploadsAPluginAndBuildsAServersPipelineOnThePluginsPage() async throws {
        let setup = try await MultiServerSetup()
        defer { setup.remove() }
        let (remote, id) = try await setup.addRemote("browsed")
        try await setup.converged(id)
        let desk = try LinkedNamespace(prefix: "ppdesk", network: "10.64")
        defer { desk.remove() }
        let build = try TemporaryFolder()
        defer { build.remove() }
        let plugin = try Self.motdPlugin(version: "1.0.0", in: build).path
        let screenshots = "\(TestEnvironment.packageRoot)/.build/ui-screenshots"
        try FileManager.default.createDirectory(atPath: screenshots, withIntermediateDirectories: true)
        let settings: [String: Any] = [
            "url": "http://\(desk.hostAddress):\(setup.controller.port)", "email": ControllerProcess.adminEmail,
            "password": ControllerProcess.adminPassword, "plugin": plugin, "server": "browsed", "motd": remote.folder.file("motd"),
            "screenshots": screenshots,
        ]
        let browser = try await BrowserScript.run("plugins.py", in: desk, settings: settings)
        #expect(browser.exitStatus == 0, "\(browser.output)\n\(browser.errors)\n\(remote.agentLog.suffix(2000))")
        for check in [
            "an uploaded plugin is listed with what it declares it needs", "steps are dragged into order and moved with the buttons",
            "a config the plugin's schema refuses is shown beside its field", "the saved pipeline runs the step on the remote server",
            "no script errors",
        ] {
            #expect(browser.output.contains("ok \(check)"), "missing: \(check)")
        }
    }
}
