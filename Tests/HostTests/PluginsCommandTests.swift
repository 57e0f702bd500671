import Foundation
import TestSupport
import Host
import Testing

/// `posternproxy plugins list` and `check`, run as the built command.
@Suite struct PluginsCommandTests {
    @Test func listShowsTheFirstPartyPluginsAndTheCExample() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        for product in [
            "PosternProxyCaddyL4", "PosternProxyIptables", "PosternProxySSHProvisioner", "PosternProxyUFWHardening", "PosternProxyExampleMotd",
        ] {
            try FileManager.default.copyItem(atPath: try TestEnvironment.builtPlugin(product), toPath: folder.file("lib\(product).so"))
        }
        let result = try Posternproxy.run(["plugins", "list", "--dir", folder.path])
        #expect(result.status == 0, "\(result.errors)")
        let lines = result.output.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(lines.first == ["ID", "VERSION", "KINDS", "ABI", "INTERFACES", "FILE"])
        let rows = Dictionary(uniqueKeysWithValues: lines.dropFirst().map { ($0[0], $0) })
        #expect(rows["posternproxy.caddy"]?[1...4] == ["0.2.0", "renderer,step", "1.0", "posternproxy.renderer/1,posternproxy.step/1"])
        #expect(rows["posternproxy.iptables"]?[1...4] == ["0.2.0", "step", "1.0", "posternproxy.step/1"])
        #expect(rows["posternproxy.ssh"]?[1...4] == ["0.2.0", "profile,transport", "1.0", "posternproxy.profile/1,posternproxy.transport/1"])
        #expect(rows["posternproxy.hardening"]?[1...4] == ["0.2.0", "profile", "1.0", "posternproxy.profile/1"])
        #expect(rows["com.example.motd"]?[1...4] == ["1.0.0", "step", "1.0", "posternproxy.step/1"])
        #expect(rows["com.example.motd"]?[5] == folder.file("libPosternProxyExampleMotd.so"))
    }

    @Test func listReportsRefusalsAndExitsNonZero() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        _ = try CCompiler.sharedObject(PluginSources.plugin(id: "com.example.one"), named: "a.so", in: folder)
        _ = try CCompiler.sharedObject(PluginSources.plugin(id: "com.example.one"), named: "b.so", in: folder)
        let result = try Posternproxy.run(["plugins", "list", "--dir", folder.path, "--json"])
        #expect(result.status == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect((document["plugins"] as? [[String: Any]])?.map { $0["id"] as? String } == ["com.example.one"])
        #expect(result.errors.contains("refused: \(folder.file("b.so")): plugin id `com.example.one` is already provided by \(folder.file("a.so"))"))
    }

    @Test func checkReportsWhatTheHostSees() throws {
        let result = try Posternproxy.run(["plugins", "check", try TestEnvironment.builtPlugin("PosternProxyExampleMotd")])
        #expect(result.status == 0)
        #expect(result.output.contains("id:          com.example.motd"))
        #expect(result.output.contains("interfaces:  posternproxy.step/1"))
    }

    @Test func checkSurvivesAPluginThatCrashesWhileLoading() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = try CCompiler.sharedObject(
            PluginSources.plugin(entryBody: "__builtin_trap();"), named: "crash.so", in: folder)
        let result = try Posternproxy.run(["plugins", "check", file])
        #expect(result.status == 1)
        #expect(result.errors.contains("refused: \(file): the plugin crashed the checking process"))
    }

    @Test func checkRefusesWithTheLoadersReason() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = try CCompiler.sharedObject(PluginSources.plugin(abiMajor: "7"), named: "v7.so", in: folder)
        let result = try Posternproxy.run(["plugins", "check", file])
        #expect(result.status == 1)
        #expect(result.errors.contains("built for plugin ABI 7.0; this host speaks ABI 1.0"))
    }
}

/// PLUGINS.md's build command produces a plugin the host accepts.
@Suite struct PluginsGuideTests {
    @Test func theCExampleBuildsWithTheDocumentedCommand() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let output = folder.file("libmotd.so")
        try CCompiler.compile([
            "-shared", "-fPIC", "-I", TestEnvironment.headerFolder, "-o", output,
            "\(TestEnvironment.packageRoot)/Examples/MotdPlugin/motd_plugin.c",
        ])
        let plugin = try PluginLoader(host: HostIdentity(name: "posternproxy-tests", version: "0")).load(output)
        #expect(plugin.id == "com.example.motd")
        #expect(plugin.providedInterfaces == ["posternproxy.step/1"])
    }
}
