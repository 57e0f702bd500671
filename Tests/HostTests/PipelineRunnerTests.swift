import Foundation
import TestSupport
import Host
import Testing

/// The pipeline runner against a real C step plugin and a sandboxed local target.
@Suite struct PipelineRunnerTests {
    typealias Step = RecorderPipeline

    @Test func runsEveryPhaseInOrderAndStreamsProgress() async throws {
        let pipeline = try RecorderPipeline()
        defer { pipeline.remove() }
        let (report, lines) = try await pipeline.run([
            Step.step(#"{"name":"s1"}"#), Step.step(#"{"name":"s2","unchanged":true}"#),
        ])
        #expect(report.status == .succeeded)
        #expect(lines == ["s1 plan", "s1 apply", "s1 verify", "s2 plan"])
        #expect(report.steps.map(\.outcome) == [.applied(changes: 1), .unchanged])
        #expect(report.rollbackOrder.isEmpty)
    }

    @Test func theRunTimesEachPhaseItBegan() async throws {
        let pipeline = try RecorderPipeline()
        defer { pipeline.remove() }
        let run = try pipeline.start([Step.step(#"{"name":"s1"}"#), Step.step(#"{"name":"s2","unchanged":true}"#)])
        _ = await run.report()
        let phases = run.phaseDurations()
        #expect(phases.map { "\($0.step.index) \($0.phase)" } == ["0 plan", "0 apply", "0 verify", "1 plan"])
        #expect(phases.allSatisfy { $0.duration >= .zero })
    }

    @Test func planCannotWriteFilesOrRunCommands() async throws {
        let pipeline = try RecorderPipeline()
        defer { pipeline.remove() }
        let (report, lines) = try await pipeline.run([Step.step(#"{"name":"w","write_in_plan":true}"#)])
        #expect(lines.contains("w write denied"))
        #expect(
            report.status
                == .failed(
                    step: StepReference(index: 0, plugin: "com.example.recorder"), phase: .plan,
                    message: "tried to write /planned-write while planning; plan must have no side effects"))
        #expect(!FileManager.default.fileExists(atPath: "\(pipeline.sandbox)/planned-write"))

        let (runReport, runLines) = try await pipeline.run([Step.step(#"{"name":"r","run_in_plan":true}"#)])
        #expect(runLines.contains("r run denied"))
        guard case .failed(_, .plan, let message) = runReport.status else {
            Issue.record("expected a plan failure, got \(runReport.status)")
            return
        }
        #expect(message.hasPrefix("tried to run `touch /tmp/posternproxy-must-not-exist`"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/posternproxy-must-not-exist"))
    }

    @Test func aFailureInStepThreeOfFourRollsBackInReverseOrder() async throws {
        let pipeline = try RecorderPipeline()
        defer { pipeline.remove() }
        let (report, lines) = try await pipeline.run([
            Step.step(#"{"name":"s1"}"#), Step.step(#"{"name":"s2"}"#),
            Step.step(#"{"name":"s3","fail":"verify"}"#), Step.step(#"{"name":"s4"}"#),
        ])
        #expect(
            report.status
                == .failed(
                    step: StepReference(index: 2, plugin: "com.example.recorder"), phase: .verify, message: "s3 failed in verify"))
        #expect(Array(lines.suffix(3)) == ["rollback s3", "rollback s2", "rollback s1"])
        #expect(!lines.contains("s4 plan"), "the pipeline stops at the first failure")
        #expect(
            report.steps.map(\.outcome) == [
                .applied(changes: 1), .applied(changes: 1), .failed(phase: .verify, message: "s3 failed in verify"), .notRun,
            ])
        #expect(report.steps.map(\.rollback) == [.rolledBack, .rolledBack, .rolledBack, nil])
    }

    @Test func aRolledBackProfilePutsAFileBackWithItsModeAndOwner() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let plugins = folder.file("plugins"), sandbox = folder.file("target")
        try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
        for (fixture, name) in [("recorder_step.c", "librecorder.so"), ("profile_file.c", "libprofile.so")] {
            try FileManager.default.moveItem(atPath: try CCompiler.fixture(fixture, named: name, in: folder), toPath: "\(plugins)/\(name)")
        }
        // The file as an admin left it: private, and owned by someone else.
        let file = "\(sandbox)/etc/posternproxy-test/app.conf"
        try FileManager.default.createDirectory(atPath: "\(sandbox)/etc/posternproxy-test", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: file, contents: Data("old token=secret\n".utf8), attributes: [.posixPermissions: 0o600])
        chown(file, 65534, 65534)
        let runner = PipelineRunner(
            catalog: try PluginCatalog.load(folder: plugins, loader: PluginLoader(host: HostIdentity(name: "posternproxy-tests", version: "0"))))
        let run = try runner.start(
            PipelineDefinition(
                name: "test",
                steps: [
                    PipelineDefinition.Step(plugin: "com.example.profile", config: Array("{}".utf8)), Step.step(#"{"name":"s2","fail":"apply"}"#),
                ]), input: Array("{}".utf8), target: LocalTarget(root: sandbox), dryRun: false)
        for await _ in run.events {}
        let report = await run.report()
        #expect(report.steps.first?.rollback == .rolledBack, "\(report)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "old token=secret\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect(attributes[.posixPermissions] as? Int == 0o600, "the rollback keeps the file as private as it was")
        #expect((attributes[.ownerAccountID] as? NSNumber)?.intValue == 65534 && (attributes[.groupOwnerAccountID] as? NSNumber)?.intValue == 65534)
    }

    /// A service a changed file made the profile stop is started again: the start command's
    /// check passed at plan time, and is checked again after the stop ran.
    @Test func aCommandWhoseCheckPassedIsCheckedAgainAfterAnEarlierActionRan() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let plugins = folder.file("plugins"), settings = folder.file("app.conf"), running = folder.file("running")
        try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
        try FileManager.default.moveItem(
            atPath: try CCompiler.fixture("profile_echo.c", named: "libecho.so", in: folder), toPath: "\(plugins)/libecho.so")
        FileManager.default.createFile(atPath: running, contents: Data())
        let profile: [String: Any] = [
            "actions": [
                ["type": "file", "path": settings, "content": "version 2\n", "mode": 0o644],
                ["type": "command", "argv": ["rm", "-f", running], "after_change_of": [settings], "summary": "stop the service"],
                ["type": "command", "argv": ["touch", running], "check": ["test", "-e", running], "summary": "start the service"],
            ]
        ]
        let runner = PipelineRunner(
            catalog: try PluginCatalog.load(folder: plugins, loader: PluginLoader(host: HostIdentity(name: "posternproxy-tests", version: "0"))))
        func run() async throws -> PipelineReport {
            let started = try runner.start(
                PipelineDefinition(name: "test", steps: [PipelineDefinition.Step(plugin: "com.example.echo-profile", config: Array("{}".utf8))]),
                input: try [UInt8](JSONSerialization.data(withJSONObject: profile)), target: LocalTarget(), dryRun: false)
            for await _ in started.events {}
            return await started.report()
        }
        let first = try await run()
        #expect(first.status == .succeeded, "\(first)")
        #expect(FileManager.default.fileExists(atPath: running), "stopped for the new file, then started again")
        let second = try await run()
        #expect(second.steps.first?.outcome == .unchanged, "a second run finds nothing to do: \(second)")
        #expect(FileManager.default.fileExists(atPath: running))
    }

    @Test func aStepThatFailsToPlanIsNotRolledBack() async throws {
        let pipeline = try RecorderPipeline()
        defer { pipeline.remove() }
        let (report, lines) = try await pipeline.run([
            Step.step(#"{"name":"s1"}"#), Step.step(#"{"name":"s2"}"#),
            Step.step(#"{"name":"s3","fail":"plan"}"#), Step.step(#"{"name":"s4"}"#),
        ])
        #expect(Array(lines.suffix(2)) == ["rollback s2", "rollback s1"])
        #expect(report.steps[2].rollback == nil)
    }

    @Test func aSkippedStepIsReportedAsSkippedNotSucceeded() async throws {
        let pipeline = try RecorderPipeline()
        defer { pipeline.remove() }
        let (report, lines) = try await pipeline.run([
            Step.step(#"{"name":"s1"}"#), Step.step(#"{"name":"s2","skip":true}"#), Step.step(#"{"name":"s3"}"#),
        ])
        #expect(report.status == .succeeded)
        #expect(report.steps[1].outcome == .skipped(reason: "not for this target"))
        #expect(report.succeededSteps.map(\.step.index) == [0, 2])
        #expect(report.skippedSteps.map(\.step.index) == [1])
        #expect(!lines.contains("s2 apply"))
    }

    @Test func cancellationStopsAtTheNextSafePointAndRollsBack() async throws {
        let pipeline = try RecorderPipeline()
        defer { pipeline.remove() }
        let run = try pipeline.start([
            Step.step(#"{"name":"s1"}"#), Step.step(#"{"name":"s2","wait_for_cancel":true}"#), Step.step(#"{"name":"s3"}"#),
        ])
        var lines: [String] = []
        for await event in run.events {
            guard case .progress(_, let line) = event else { continue }
            lines.append(line)
            if line == "s2 waiting" { run.cancel() }
        }
        let report = await run.report()
        #expect(report.status == .cancelled)
        #expect(report.steps.map(\.outcome) == [.applied(changes: 1), .cancelled(phase: .apply), .notRun])
        #expect(Array(lines.suffix(2)) == ["rollback s2", "rollback s1"])
        #expect(!lines.contains("s3 plan"))
    }

    @Test func aDryRunOnlyPlans() async throws {
        let pipeline = try RecorderPipeline()
        defer { pipeline.remove() }
        let (report, lines) = try await pipeline.run(
            [Step.step(#"{"name":"s1","touch":"/applied"}"#), Step.step(#"{"name":"s2"}"#)], dryRun: true)
        #expect(lines == ["s1 plan", "s2 plan"])
        #expect(report.steps.map(\.outcome) == [.planned(changes: 1), .planned(changes: 1)])
        #expect(!FileManager.default.fileExists(atPath: "\(pipeline.sandbox)/applied"))
    }

    @Test func applyWritesIntoTheTargetRoot() async throws {
        let pipeline = try RecorderPipeline()
        defer { pipeline.remove() }
        let (report, _) = try await pipeline.run([Step.step(#"{"name":"s1","touch":"/etc/app/marker"}"#)])
        #expect(report.status == .succeeded)
        let written = try String(contentsOfFile: "\(pipeline.sandbox)/etc/app/marker", encoding: .utf8)
        #expect(written == "applied by s1")
        let mode = try FileManager.default.attributesOfItem(atPath: "\(pipeline.sandbox)/etc/app/marker")[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func refusesToStartWithAnUnknownPluginOrANonStep() throws {
        let pipeline = try RecorderPipeline()
        defer { pipeline.remove() }
        #expect(throws: PipelineError.self) {
            try pipeline.start([Step.step(#"{"name":"s1"}"#), PipelineDefinition.Step(plugin: "com.example.absent")])
        }
        do {
            _ = try pipeline.start([PipelineDefinition.Step(plugin: "com.example.absent")])
        } catch let error as PipelineError {
            // It says where it looked and what it found there.
            #expect(
                error.description
                    == "pipeline test, step 1 (com.example.absent): no plugin loaded from \(pipeline.folder.file("plugins")) has the id com.example.absent (loaded: com.example.recorder)"
            )
        }
    }
}
