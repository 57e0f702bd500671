import Foundation
import TestSupport
import Testing

/// `posternproxy pipeline run` with the C example step, against a sandbox folder.
@Suite struct PipelineCommandTests {
    @Test func dryRunPlansThenRunAppliesThenConverges() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.file("plugins"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: try TestEnvironment.builtPlugin("PosternProxyExampleMotd"), toPath: folder.file("plugins/libmotd.so"))
        let config = try folder.write("pipelines.json", #"{"provision": [{"plugin": "com.example.motd", "config": {"text": "hello\n"}}]}"#)
        let motd = try folder.write("root/etc/motd", "before\n")
        let arguments = ["pipeline", "run", "provision", "--config", config, "--dir", folder.file("plugins"), "--root", folder.file("root")]

        let dryRun = try Posternproxy.run(arguments + ["--dry-run"])
        #expect(dryRun.status == 0, "\(dryRun.errors)")
        #expect(dryRun.output.contains("    /etc/motd will be replaced"))
        #expect(dryRun.output.contains(#"plan of step 1 (com.example.motd): {"changes": ["replace"]}"#))
        #expect(try String(contentsOfFile: motd, encoding: .utf8) == "before\n")

        let applied = try Posternproxy.run(arguments)
        #expect(applied.status == 0)
        #expect(applied.output.contains("<== step 1 (com.example.motd): applied 1 change(s)"))
        #expect(try String(contentsOfFile: motd, encoding: .utf8) == "hello\n")

        let again = try Posternproxy.run(arguments)
        #expect(again.output.contains("<== step 1 (com.example.motd): already right"))
    }

    @Test func refusesAPipelineNamingAPluginThatIsNotAStep() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let config = try folder.write("pipelines.json", #"{"harden": ["com.example.describes-itself"]}"#)
        try FileManager.default.createDirectory(atPath: folder.file("plugins"), withIntermediateDirectories: true)
        _ = try CCompiler.sharedObject(PluginSources.plugin(id: "com.example.describes-itself"), named: "plugins/libplain.so", in: folder)
        let result = try Posternproxy.run(["pipeline", "run", "harden", "--config", config, "--dir", folder.file("plugins"), "--root", folder.path])
        #expect(result.status != 0)
        #expect(result.errors.contains("step 1 (com.example.describes-itself)"))
        #expect(result.errors.contains("provides neither posternproxy.step/1 with plan and apply nor posternproxy.profile/1"))
    }

    @Test func runsAProfileAsAStepThePlanOnlyProbes() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let config = try folder.write("pipelines.json", #"{"harden": [{"plugin": "posternproxy.hardening", "config": {"part": "sysctl"}}]}"#)
        let input = try folder.write("input.json", #"{"ssh_port": 22}"#)
        try FileManager.default.createDirectory(atPath: folder.file("plugins"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: try TestEnvironment.builtPlugin("PosternProxyUFWHardening"), toPath: folder.file("plugins/libhardening.so"))
        let result = try Posternproxy.run([
            "pipeline", "run", "harden", "--config", config, "--dir", folder.file("plugins"), "--input", input, "--dry-run",
        ])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("<== step 1 (posternproxy.hardening): would change 2"))
        #expect(!FileManager.default.fileExists(atPath: "/etc/sysctl.d/90-posternproxy.conf"), "a dry run changes nothing")
    }

    /// An author's plugins can stay in a folder of their own: `--dir` is repeated, searched in
    /// order, and an unknown id says where it was looked for.
    @Test func pluginsComeFromSeveralFolders() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        for name in ["builtin", "mine"] {
            try FileManager.default.createDirectory(atPath: folder.file(name), withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(
            atPath: try TestEnvironment.builtPlugin("PosternProxyExampleMotd"), toPath: folder.file("builtin/libmotd.so"))
        _ = try CCompiler.fixture("slow_step.c", named: "mine/libslow.so", in: folder)
        let config = try folder.write(
            "pipelines.json",
            #"{"provision": [{"plugin": "com.example.motd", "config": {"text": "hi\n"}}, "test.slow"], "broken": ["com.example.absent"]}"#)
        _ = try folder.write("root/etc/motd", "before\n")
        let folders = ["--dir", folder.file("builtin"), "--dir", folder.file("mine"), "--root", folder.file("root")]
        let applied = try Posternproxy.run(["pipeline", "run", "provision", "--config", config] + folders)
        #expect(applied.status == 0, "\(applied.errors)")
        #expect(applied.output.contains("<== step 2 (test.slow)"), "\(applied.output)")
        let absent = try Posternproxy.run(["pipeline", "run", "broken", "--config", config] + folders)
        #expect(absent.status != 0)
        #expect(
            absent.errors.contains(
                "no plugin loaded from \(folder.file("builtin")), \(folder.file("mine")) has the id com.example.absent (loaded: com.example.motd, test.slow)"
            ),
            "\(absent.errors)")
    }

    /// Ctrl-C during an apply cancels the run: the step under way finishes, what was applied is
    /// rolled back, and the command exits 130; every line was written as it happened, though the
    /// output is a file and not a terminal.
    @Test func anInterruptRollsBackWhatWasAppliedAndExits130() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.file("plugins"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder.file("slow"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: try TestEnvironment.builtPlugin("PosternProxyExampleMotd"), toPath: folder.file("plugins/libmotd.so"))
        _ = try CCompiler.fixture("slow_step.c", named: "plugins/libslow.so", in: folder)
        let config = try folder.write(
            "pipelines.json", #"{"provision": [{"plugin": "com.example.motd", "config": {"text": "hello\n"}}, "test.slow"]}"#)
        let motd = try folder.write("root/etc/motd", "before\n")
        let command = try ChildProcess(
            [
                TestEnvironment.commandPath, "pipeline", "run", "provision", "--config", config, "--dir", folder.file("plugins"), "--root",
                folder.file("root"),
            ], in: folder.path, environment: ["SLOW_STEP_DIR": folder.file("slow")], logName: "run")
        defer { command.stop() }
        try command.wait(until: { FileManager.default.fileExists(atPath: folder.file("slow/started")) }, what: "the slow step's apply")
        #expect(try String(contentsOfFile: motd, encoding: .utf8) == "hello\n")
        // The events are printed by another task than the one running the steps, so the line may
        // follow the slow step's start by a moment; it must come while that step is still held.
        try command.wait(
            until: { command.output.contains("<== step 1 (com.example.motd): applied") }, what: "step 1's outcome written live")
        #expect(!FileManager.default.fileExists(atPath: folder.file("slow/finished")))

        kill(command.process.processIdentifier, SIGINT)
        try command.wait(until: { command.output.contains("interrupted: cancelling") }, what: "the interrupt noticed")
        _ = try folder.write("slow/release-1", "")
        command.process.waitUntilExit()
        #expect(command.process.terminationStatus == 130, "\(command.output)")
        #expect(command.output.contains("rolled back"), "\(command.output)")
        #expect(try String(contentsOfFile: motd, encoding: .utf8) == "before\n", "the motd step's change is undone")
    }
}
