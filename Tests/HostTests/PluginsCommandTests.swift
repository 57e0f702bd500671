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
        #expect(
            rows["posternproxy.caddy"]?[1...4] == ["0.2.0", "renderer,step", "\(ABIVersion.host)", "posternproxy.renderer/1,posternproxy.step/1"])
        #expect(rows["posternproxy.iptables"]?[1...4] == ["0.2.0", "step", "\(ABIVersion.host)", "posternproxy.step/1"])
        #expect(
            rows["posternproxy.ssh"]?[1...4] == [
                "0.2.0", "profile,transport", "\(ABIVersion.host)", "posternproxy.profile/1,posternproxy.transport/1",
            ])
        #expect(rows["posternproxy.hardening"]?[1...4] == ["0.2.0", "profile", "\(ABIVersion.host)", "posternproxy.profile/1"])
        #expect(rows["com.example.motd"]?[1...4] == ["1.0.0", "step", "\(ABIVersion.host)", "posternproxy.step/1"])
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
        #expect(result.errors.contains("built for plugin ABI 7.\(ABIVersion.host.minor); this host speaks ABI \(ABIVersion.host)"))
    }
}

/// PLUGINS.md's build command produces a plugin the host accepts, and the C kit keeps a step short.
@Suite struct PluginsGuideTests {
    /// The example step, written with `posternproxy_plugin_sdk.h`, is under 60 lines of code
    /// (lines that are neither blank nor inside a comment).
    @Test func theCExampleIsUnderSixtyLinesOfCode() throws {
        let source = try String(contentsOfFile: "\(TestEnvironment.packageRoot)/Examples/MotdPlugin/motd_plugin.c", encoding: .utf8)
        let code = source.replacing(#/(?s)/\*.*?\*/|//[^\n]*/#, with: "")
        let lines = code.split(separator: "\n").filter { !$0.allSatisfy(\.isWhitespace) }
        #expect(lines.count < 60, "\(lines.count) lines of code")
        #expect(source.contains("#include \"posternproxy_plugin_sdk.h\""))
    }

    /// The kit's JSON reader follows the JSON grammar (hostile strings, escapes, surrogates,
    /// nesting, trailing commas), its writer escapes what JSON needs, and its buffers keep
    /// their limit: a C program checks each and reports what failed.
    @Test func theCKitReadsAndWritesJSONAsTheGrammarSays() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let program = folder.file("sdk_check")
        try CCompiler.compile(["-std=c11", "-Wextra", "-I", TestEnvironment.headerFolder, "-o", program, TestEnvironment.fixture("sdk_check.c")])
        let result = try Posternproxy.run(program: program)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.hasPrefix("checked "))
    }

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

/// `posternproxy plugins test`: a conformance run that passes a correct step and catches a step
/// broken against each rule it checks.
@Suite struct PluginConformanceTests {
    static let rules = [
        "plan-has-no-effects", "plan-is-repeatable", "apply-then-verify", "converges", "rollback-restores", "cancelled-apply-rolls-back",
        "malformed-config-refused", "oversized-config-handled",
    ]

    private func fixture(_ macro: String?, in folder: TemporaryFolder) throws -> String {
        let output = folder.file("conformance-\(macro ?? "correct").so")
        try CCompiler.compile(
            ["-shared", "-fPIC", "-I", TestEnvironment.headerFolder, "-o", output, TestEnvironment.fixture("conformance_step.c")]
                + (macro.map { ["-D\($0)"] } ?? []))
        return output
    }

    @Test func theExampleStepAndACorrectStepKeepEveryRule() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let motd = folder.file("libmotd.so")
        try CCompiler.compile([
            "-shared", "-fPIC", "-I", TestEnvironment.headerFolder, "-o", motd, "\(TestEnvironment.packageRoot)/Examples/MotdPlugin/motd_plugin.c",
        ])
        for (file, config) in [(motd, #"{"text": "hello\n"}"#), (try fixture(nil, in: folder), #"{"text": "kept"}"#)] {
            let result = try Posternproxy.run(["plugins", "test", file, "--config", config])
            #expect(result.status == 0, "\(result.output)\(result.errors)")
            for rule in Self.rules { #expect(result.output.contains("  ok       \(rule):"), "\(rule) in \(result.output)") }
            #expect(result.output.contains("8 of 8 rules kept, 0 broken, 0 not exercised"))
        }
    }

    @Test(arguments: [
        ("BREAK_EFFECT_IN_PLAN", "plan-has-no-effects"), ("BREAK_CHANGING_PLAN", "plan-is-repeatable"), ("BREAK_JOURNAL", "apply-then-verify"),
        ("BREAK_CONVERGENCE", "converges"), ("BREAK_ROLLBACK", "rollback-restores"), ("BREAK_CUT_JOURNAL", "cancelled-apply-rolls-back"),
        ("BREAK_MALFORMED_CONFIG", "malformed-config-refused"), ("BREAK_OVERSIZED_CONFIG", "oversized-config-handled"),
    ])
    func aBrokenStepIsCaughtByTheRuleItBreaks(macro: String, rule: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let result = try Posternproxy.run(["plugins", "test", try fixture(macro, in: folder), "--config", #"{"text": "kept"}"#])
        #expect(result.status == 1)
        #expect(result.output.contains("  BROKEN   \(rule) ("), "\(result.output)")
    }

    /// With a seed, each rule's root starts as a copy of it: the step finds a file to replace,
    /// and rollback must bring back its exact old bytes.
    @Test func aSeedFolderIsWhereEachRuleStarts() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        _ = try folder.write("seed/etc/conformance.txt", "old bytes\u{0}\n")
        let result = try Posternproxy.run([
            "plugins", "test", try fixture(nil, in: folder), "--config", #"{"text": "kept"}"#, "--seed", folder.file("seed"),
        ])
        #expect(result.status == 0, "\(result.output)")
        #expect(
            try String(contentsOfFile: folder.file("seed/etc/conformance.txt"), encoding: .utf8) == "old bytes\u{0}\n",
            "the seed is copied, never changed")
    }

    /// A file with a mode and owner of its own must come back with them: the example journals
    /// them (ABI 1.1's `file_info`) and restores them (`set_file_owner`); the fixture, which
    /// writes every file back 0644, is caught.
    @Test func rollbackMustPutBackTheModeAFileHad() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        for path in ["seed/etc/motd", "seed/etc/conformance.txt"] {
            _ = try folder.write(path, "old text\n")
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: folder.file(path))
        }
        let motd = try Posternproxy.run([
            "plugins", "test", try TestEnvironment.builtPlugin("PosternProxyExampleMotd"), "--config", #"{"text": "new\n"}"#, "--seed",
            folder.file("seed"),
        ])
        #expect(motd.status == 0, "\(motd.output)")
        #expect(motd.output.contains("8 of 8 rules kept"), "\(motd.output)")
        let careless = try Posternproxy.run([
            "plugins", "test", try fixture(nil, in: folder), "--config", #"{"text": "kept"}"#, "--seed", folder.file("seed"),
        ])
        #expect(careless.status == 1)
        #expect(careless.output.contains("BROKEN   rollback-restores"), "\(careless.output)")
        #expect(careless.output.contains("/etc/conformance.txt's mode went from 600 to 644"), "\(careless.output)")
    }

    @Test func aConfigThatIsNotAJSONObjectIsRefusedBeforeAnyRuleRuns() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let plugin = try fixture(nil, in: folder)
        let cut = try Posternproxy.run(["plugins", "test", plugin, "--config", "{\"text\":\n  "])
        #expect(cut.status != 0)
        #expect(cut.errors.contains("the config is not JSON (line 2, column 3)"), "\(cut.errors)")
        #expect(cut.output.isEmpty)
        let list = try Posternproxy.run(["plugins", "test", plugin, "--config", "[1]"])
        #expect(list.errors.contains("the config must be a JSON object"), "\(list.errors)")
    }

    @Test func aPluginThatIsNotAStepIsRefusedWithTheReason() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let result = try Posternproxy.run(["plugins", "test", try TestEnvironment.builtPlugin("PosternProxyUFWHardening"), "--config", "{}"])
        #expect(result.status != 0)
        #expect(result.errors.contains("is not a step plugin (it provides posternproxy.profile/1)"), "\(result.errors)")
        #expect(result.output.isEmpty)
    }
}

/// `posternproxy plugins new`: the project it writes builds with its own script and passes its
/// own test, for each kind it writes.
@Suite struct PluginNewCommandTests {
    @Test(arguments: ["step", "profile", "renderer"])
    func aNewProjectBuildsAndPassesItsTest(kind: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let project = folder.file("my-\(kind)")
        let made = try Posternproxy.run([
            "plugins", "new", "my-\(kind)", "--kind", kind, "--into", project, "--include", TestEnvironment.headerFolder,
        ])
        #expect(made.status == 0, "\(made.errors)")
        let source = try String(contentsOfFile: "\(project)/my-\(kind).c", encoding: .utf8)
        #expect(source.contains("#include \"posternproxy_plugin_sdk.h\""))
        let test = try Posternproxy.run(program: "\(project)/test.sh", environment: ["POSTERNPROXY": TestEnvironment.commandPath])
        #expect(test.status == 0, "\(test.output)\(test.errors)")
        let check = try Posternproxy.run(["plugins", "check", "\(project)/libmy-\(kind).so"])
        #expect(check.output.contains("id:          com.example.my-\(kind)"), "\(check.output)")
    }

    /// A step in Swift: a SwiftPM package on PluginKit, built against this checkout, that keeps
    /// every conformance rule as written.
    @Test func aNewSwiftStepBuildsAndPassesItsTest() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let project = folder.file("swift-step")
        let made = try Posternproxy.run([
            "plugins", "new", "swift-step", "--lang", "swift", "--into", project, "--include", TestEnvironment.headerFolder,
        ])
        #expect(made.status == 0, "\(made.errors)")
        let manifest = try String(contentsOfFile: "\(project)/Package.swift", encoding: .utf8)
        #expect(manifest.contains(".product(name: \"PluginKit\"") && manifest.contains("type: .dynamic"))
        let test = try Posternproxy.run(program: "\(project)/test.sh", environment: ["POSTERNPROXY": TestEnvironment.commandPath])
        #expect(test.status == 0 && test.output.contains("8 of 8 rules kept"), "\(test.output)\(test.errors.suffix(3000))")
        let check = try Posternproxy.run(["plugins", "check", "\(project)/libswift-step.so"])
        #expect(check.output.contains("id:          com.example.swift-step") && check.output.contains("declares:"), "\(check.output)")
    }

    @Test(arguments: ["../escape", "a;rm -rf ~", "Upper", "-dash", "x y", String(repeating: "a", count: 41), "näme", "9lives"])
    func aNameThatIsNotPlainIsRefusedAndNothingIsWritten(name: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let result = try Posternproxy.run(["plugins", "new", "--into", folder.file("project"), "--include", TestEnvironment.headerFolder, "--", name])
        #expect(result.status != 0)
        #expect(result.errors.contains("must be lower-case letters, digits and '-'"), "\(result.errors)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("project")))
    }

    @Test func whatItDoesNotWriteIsRefusedWithTheWayToGo() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let swift = try Posternproxy.run([
            "plugins", "new", "x", "--lang", "swift", "--kind", "profile", "--into", folder.file("a"), "--include", TestEnvironment.headerFolder,
        ])
        #expect(swift.errors.contains("--lang swift writes a step"), "\(swift.errors)")
        let renderer = try Posternproxy.run([
            "plugins", "new", "x", "--kind", "filter", "--into", folder.file("b"), "--include", TestEnvironment.headerFolder,
        ])
        #expect(renderer.errors.contains("--kind filter: one of step, profile, renderer"), "\(renderer.errors)")
        let badID = try Posternproxy.run([
            "plugins", "new", "x", "--id", "Com.Evil\"id", "--into", folder.file("c"), "--include", TestEnvironment.headerFolder,
        ])
        #expect(badID.errors.contains("a reverse-DNS id"), "\(badID.errors)")
        let noHeaders = try Posternproxy.run(["plugins", "new", "x", "--into", folder.file("d"), "--include", folder.path])
        #expect(noHeaders.errors.contains("no posternproxy_plugin_sdk.h in"), "\(noHeaders.errors)")
        let noPackage = try Posternproxy.run([
            "plugins", "new", "x", "--lang", "swift", "--package", folder.path, "--into", folder.file("e"), "--include", TestEnvironment.headerFolder,
        ])
        #expect(noPackage.errors.contains("no PosternProxy package at"), "\(noPackage.errors)")
        for name in ["a", "b", "c", "d", "e"] { #expect(!FileManager.default.fileExists(atPath: folder.file(name))) }
    }
}
