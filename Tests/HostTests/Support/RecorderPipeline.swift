import Foundation
import TestSupport
import Host

/// Builds the recorder fixture step plugin and runs pipelines of it against a sandbox folder.
struct RecorderPipeline {
    let folder: TemporaryFolder
    let sandbox: String
    let runner: PipelineRunner

    init() throws {
        folder = try TemporaryFolder()
        sandbox = folder.file("target")
        try FileManager.default.createDirectory(atPath: sandbox, withIntermediateDirectories: true)
        let plugins = folder.file("plugins")
        try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
        let built = try CCompiler.fixture("recorder_step.c", named: "librecorder.so", in: folder)
        try FileManager.default.moveItem(atPath: built, toPath: "\(plugins)/librecorder.so")
        let catalog = try PluginCatalog.load(
            folder: plugins, loader: PluginLoader(host: HostIdentity(name: "posternproxy-tests", version: "0")))
        runner = PipelineRunner(catalog: catalog)
    }

    /// A step of the recorder with the given config JSON object.
    static func step(_ config: String) -> PipelineDefinition.Step {
        PipelineDefinition.Step(plugin: "com.example.recorder", config: Array(config.utf8))
    }

    func start(_ steps: [PipelineDefinition.Step], dryRun: Bool = false) throws -> PipelineRun {
        try runner.start(
            PipelineDefinition(name: "test", steps: steps), input: Array("{}".utf8),
            target: LocalTarget(root: sandbox), dryRun: dryRun)
    }

    /// Runs to the end and returns the report and every progress line, in order.
    func run(_ steps: [PipelineDefinition.Step], dryRun: Bool = false) async throws -> (PipelineReport, [String]) {
        let run = try start(steps, dryRun: dryRun)
        var lines: [String] = []
        for await event in run.events {
            if case .progress(_, let line) = event { lines.append(line) }
        }
        return (await run.report(), lines)
    }

    func remove() { folder.remove() }
}
