import Foundation
import TestSupport
import Host
import Testing

/// Every refusal of the loader, each triggered by a real shared object built with `cc`.
@Suite struct PluginLoaderTests {
    let loader = PluginLoader(host: HostIdentity(name: "posternproxy-tests", version: "0"))

    private func refusal(_ file: String) throws -> PluginLoadError {
        do {
            let plugin = try loader.load(file)
            throw TestSetupError("expected a refusal, loaded \(plugin.id)")
        } catch let error as PluginLoadError {
            #expect(error.description.hasPrefix("\(file): "), "the message names the file")
            return error
        }
    }

    @Test func acceptsAWellFormedCPlugin() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = try CCompiler.sharedObject(PluginSources.plugin(id: "com.example.good"), named: "good.so", in: folder)
        let plugin = try loader.load(file)
        #expect(plugin.id == "com.example.good")
        #expect(plugin.version == "1.0.0")
        #expect(plugin.kinds == .renderer)
        #expect(plugin.abi == ABIVersion.host)
    }

    @Test func refusesAMissingEntrySymbolAndNamesTheLikelyCause() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = try CCompiler.sharedObject(
            PluginSources.plugin(entrySymbol: "posternproxy_plugin_entry"), named: "noentry.so", in: folder)
        let error = try refusal(file)
        #expect(error.reason == .missingEntrySymbol)
        #expect(error.description.contains("no exported entry symbol `posternproxy_plugin_entry_v1`"))
        #expect(error.description.contains("*public* function"))
        #expect(error.description.contains("nm -D"))
    }

    @Test func refusesAnEntrySymbolThatIsNotExported() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // The function exists but is local to the library, as a non-public Swift function is in a
        // release build: a version script hides every symbol.
        let script = try folder.write("hide.map", "{ local: *; };")
        let file = try CCompiler.sharedObject(
            PluginSources.plugin(), named: "hidden.so", in: folder, extraArguments: ["-Wl,--version-script=\(script)"])
        #expect(try refusal(file).reason == .missingEntrySymbol)
    }

    @Test func refusesAnotherABIMajorExportedUnderItsOwnSymbol() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = try CCompiler.sharedObject(
            PluginSources.plugin(abiMajor: "2", entrySymbol: "posternproxy_plugin_entry_v2"), named: "v2.so", in: folder)
        let error = try refusal(file)
        #expect(error.description.contains("built for plugin ABI 2.0; this host speaks ABI \(ABIVersion.host) and majors must match"))
    }

    @Test func refusesADescriptorOfAnotherMajor() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = try CCompiler.sharedObject(PluginSources.plugin(abiMajor: "2"), named: "major.so", in: folder)
        let error = try refusal(file)
        #expect(error.reason == .abiMajorMismatch(plugin: ABIVersion(major: 2, minor: ABIVersion.host.minor), host: .host))
        #expect(error.description.contains("Rebuild the plugin against this host's posternproxy_plugin.h"))
    }

    @Test func refusesARequiredMinorNewerThanTheHost() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = try CCompiler.sharedObject(PluginSources.plugin(abiMinor: "PP_ABI_MINOR + 3"), named: "minor.so", in: folder)
        let error = try refusal(file)
        let needed = ABIVersion(major: ABIVersion.host.major, minor: ABIVersion.host.minor + 3)
        #expect(error.reason == .abiMinorTooNew(plugin: needed, host: .host))
        #expect(error.description.contains("needs plugin ABI \(needed), newer than this host's ABI \(ABIVersion.host). Upgrade PosternProxy"))
    }

    @Test func acceptsAnOlderMinorOnANewerHost() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = try CCompiler.sharedObject(PluginSources.plugin(), named: "old.so", in: folder)
        let newerHost = PluginLoader(host: loader.host, hostABI: ABIVersion(major: ABIVersion.host.major, minor: ABIVersion.host.minor + 1))
        #expect(try newerHost.load(file).abi == .host)
    }

    /// Plugins built before 1.1 added the file-owner services keep loading.
    @Test func aPluginBuiltAgainstABI1Point0LoadsOnThisHost() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = try CCompiler.sharedObject(PluginSources.plugin(abiMinor: "0"), named: "abi10.so", in: folder)
        #expect(try loader.load(file).abi == ABIVersion(major: 1, minor: 0))
    }

    @Test func refusesADuplicatePluginID() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let first = try CCompiler.sharedObject(PluginSources.plugin(id: "com.example.same"), named: "a.so", in: folder)
        let second = try CCompiler.sharedObject(PluginSources.plugin(id: "com.example.same"), named: "b.so", in: folder)
        let catalog = try PluginCatalog.load(folder: folder.path, loader: loader)
        #expect(catalog.plugins.map(\.file) == [first])
        let refusal = try #require(catalog.refusals.first)
        #expect(refusal.file == second)
        #expect(
            refusal.description
                == "\(second): plugin id `com.example.same` is already provided by \(first). Remove one of the two files from the plugins folder.")
    }

    @Test func refusesATextFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = try folder.write("notes.so", "not a library\n")
        let error = try refusal(file)
        #expect(error.reason == .notSharedObject("it is not an ELF file"))
        #expect(error.description.contains("not a shared object for this machine"))
    }

    @Test func refusesAnExecutable() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let source = try folder.write("main.c", "int main(void) { return 0; }\n")
        try CCompiler.compile(["-no-pie", "-o", folder.file("program.so"), source])
        #expect(try refusal(folder.file("program.so")).reason == .notSharedObject("it is an executable, not a shared library"))
    }

    @Test func refusesASharedObjectOfAnotherMachine() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = try CCompiler.sharedObject(PluginSources.plugin(), named: "foreign.so", in: folder)
        // Re-label the real shared object as RISC-V (e_machine 243), as a cross-build would be.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        bytes[18] = 243
        bytes[19] = 0
        try bytes.write(to: URL(fileURLWithPath: file))
        let error = try refusal(file)
        #expect(error.description.contains("it was built for ELF machine 243 (riscv)"))
    }

    @Test func refusesAWorldWritableFileAndFolder() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = try CCompiler.sharedObject(PluginSources.plugin(), named: "open.so", in: folder)
        chmod(file, 0o666)
        let error = try refusal(file)
        #expect(error.reason == .worldWritable(path: file))
        #expect(error.description.contains("the file is world-writable"))
        #expect(error.description.contains("chmod o-w"))

        chmod(file, 0o644)
        chmod(folder.path, 0o777)
        #expect(try refusal(file).reason == .worldWritable(path: folder.path))
    }

    @Test func refusesWhatAnotherUserCouldReplaceAnywhereUpToTheRoot() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // The review's case: another user's 0775 file in a world-writable sticky folder.
        let shared = folder.file("shared")
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
        chmod(shared, 0o1777)
        let foreign = try CCompiler.sharedObject(PluginSources.plugin(), named: "foreign.so", in: folder)
        try FileManager.default.moveItem(atPath: foreign, toPath: "\(shared)/foreign.so")
        chown("\(shared)/foreign.so", 65534, 65534)
        chmod("\(shared)/foreign.so", 0o775)
        let refused = try refusal("\(shared)/foreign.so")
        #expect(refused.reason == .replaceableByOthers(path: "\(shared)/foreign.so", why: "it belongs to user 65534, who could change it"))
        #expect(refused.description.contains("chown root:root"))

        // A group other than root's may write to the file, or to a folder above it.
        let file = try CCompiler.sharedObject(PluginSources.plugin(), named: "plain.so", in: folder)
        chown(file, 0, 100)
        chmod(file, 0o664)
        #expect(try refusal(file).reason == .replaceableByOthers(path: file, why: "group 100 may write to it"))
        chmod(file, 0o644)
        let nested = folder.file("a/b")
        try FileManager.default.createDirectory(atPath: nested, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: file, toPath: "\(nested)/plain.so")
        chmod(folder.file("a"), 0o777)
        #expect(try refusal("\(nested)/plain.so").reason == .worldWritable(path: folder.file("a")), "a folder two levels up counts")
        chmod(folder.file("a"), 0o755)
        chown(folder.file("a"), 65534, 0)
        #expect(
            try refusal("\(nested)/plain.so").reason
                == .replaceableByOthers(path: folder.file("a"), why: "it belongs to user 65534, who could change it"))
        chown(folder.file("a"), 0, 0)

        // A link is judged where it leads: a link in a good folder to a file in a bad one is refused.
        let link = folder.file("link.so")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "\(shared)/foreign.so")
        #expect(try refusal(link).reason == .replaceableByOthers(path: link, why: "it belongs to user 65534, who could change it"))
        let goodLink = folder.file("good-link.so")
        try FileManager.default.createSymbolicLink(atPath: goodLink, withDestinationPath: "\(nested)/plain.so")
        #expect(throws: Never.self) { try loader.load(goodLink) }
    }

    @Test func refusesAFileThatCannotBeOpened() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // A real plugin that links a library which is then removed: dlopen itself fails.
        let dependency = try CCompiler.sharedObject("int helper(void) { return 1; }\n", named: "libhelper.so", in: folder)
        let file = try CCompiler.sharedObject(
            PluginSources.plugin(entryBody: "return helper() ? &descriptor : NULL;").replacingOccurrences(
                of: "#include <stddef.h>", with: "#include <stddef.h>\nint helper(void);"),
            named: "needs.so", in: folder, extraArguments: ["-L", folder.path, "-lhelper"])
        try FileManager.default.removeItem(atPath: dependency)
        let error = try refusal(file)
        #expect(error.description.contains("dlopen failed: libhelper.so: cannot open shared object file"))
        #expect(error.description.contains("ldd"))
    }

    @Test func refusesAPluginThatDeclinesTheHost() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = try CCompiler.sharedObject(PluginSources.plugin(entryBody: "return NULL;"), named: "declines.so", in: folder)
        #expect(try refusal(file).reason == .declined)
    }

    @Test func refusesMalformedDescriptors() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let badID = try CCompiler.sharedObject(PluginSources.plugin(id: "Not_Reverse_DNS"), named: "badid.so", in: folder)
        #expect(try refusal(badID).description.contains("id `Not_Reverse_DNS` is not reverse-DNS"))
        let noKinds = try CCompiler.sharedObject(PluginSources.plugin(kinds: "0"), named: "nokinds.so", in: folder)
        #expect(try refusal(noKinds).description.contains("kinds is 0"))
        let unknownKind = try CCompiler.sharedObject(PluginSources.plugin(kinds: "(1u << 20)"), named: "unknown.so", in: folder)
        #expect(try refusal(unknownKind).description.contains("kinds has bits this host does not know (0x100000)"))
        for version in ["v1", "1.0", "01.0.0", "1.0.0-", "latest"] {
            let file = try CCompiler.sharedObject(PluginSources.plugin(version: version), named: "refused-\(version).so", in: folder)
            #expect(try refusal(file).description.contains("version `\(version)` is not MAJOR.MINOR.PATCH"), "\(version)")
        }
        for version in ["0.2.0", "2.1.0-beta.1", "0.3.0+git.5a1f"] {
            let file = try CCompiler.sharedObject(PluginSources.plugin(version: version), named: "version-\(version).so", in: folder)
            #expect(try loader.load(file).version == version)
        }
    }

    /// Each declared interface is checked at load, and the refusal says which and what to do,
    /// instead of a later pipeline run failing with one message for all of them.
    @Test func refusesADeclaredInterfaceThatIsMissingShortOrHasNoFunction() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let cases: [(table: String?, message: String)] = [
            (nil, #"it declares the step kind, but get_interface("posternproxy.step/1") returns NULL"#),
            ("{ 4, plan, apply, verify, rollback }", "the posternproxy.step/1 table's struct_size is 4, ABI 1.0 needs at least"),
            ("{ sizeof(pp_step_v1), NULL, apply, verify, rollback }", "the posternproxy.step/1 table leaves plan NULL"),
            ("{ sizeof(pp_step_v1), NULL, NULL, verify, rollback }", "the posternproxy.step/1 table leaves plan, apply NULL"),
        ]
        for (index, example) in cases.enumerated() {
            let file = try CCompiler.sharedObject(PluginSources.step(table: example.table), named: "step\(index).so", in: folder)
            let refused = try refusal(file)
            #expect(refused.description.contains(example.message), "\(refused)")
        }
        // verify and rollback may be left out.
        let minimal = try CCompiler.sharedObject(
            PluginSources.step(table: "{ sizeof(pp_step_v1), plan, apply, NULL, NULL }"), named: "minimal.so", in: folder)
        #expect(try loader.load(minimal).kinds == .step)
    }

}

/// Every built plugin, Swift (through PluginKit) or C (through the kit's `PP_STEP_PLUGIN`),
/// checks the host's ABI in its entry function and declines a host of another major.
@Suite struct EntryABICheckTests {
    @Test(arguments: [
        "PosternProxyCaddyL4", "PosternProxyIptables", "PosternProxySSHProvisioner", "PosternProxyUFWHardening", "PosternProxyExampleMotd",
    ])
    func aBuiltPluginDeclinesAHostOfAnotherMajor(product: String) throws {
        let otherMajor = PluginLoader(
            host: HostIdentity(name: "posternproxy-tests", version: "0"), hostABI: ABIVersion(major: ABIVersion.host.major + 1, minor: 0))
        #expect {
            try otherMajor.load(try TestEnvironment.builtPlugin(product))
        } throws: { error in
            "\(error)".contains("the plugin declined this host")
        }
    }
}
