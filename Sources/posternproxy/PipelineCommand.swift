import ArgumentParser
import Foundation
import Host

/// `posternproxy pipeline run`: runs one pipeline of a configuration file on this machine (or a
/// sandbox folder), printing every event as it happens.
struct PipelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Run pipelines of plugin steps.",
        subcommands: [Run.self]
    )

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one pipeline of a configuration file against this machine.",
            discussion:
                "Exits 0 when every step succeeded or was skipped, 1 otherwise, 130 when interrupted (Ctrl-C cancels the run and rolls back what it applied; a second Ctrl-C stops at once). --dry-run prints every plan and changes nothing."
        )

        @Argument(help: "The pipeline's name in the configuration file.")
        var name: String

        @Option(name: .long, help: "Pipeline configuration: a JSON object of pipeline name → list of steps.")
        var config: String

        @Option(
            name: .long,
            help:
                "A plugins folder; repeat it to search several in order, the first holding an id winning [$POSTERNPROXY_PLUGINS_DIR, else ./plugins beside the executable, else \(PluginFolder.installed)]."
        )
        var dir: [String] = []

        @Option(name: .long, help: "Resolve every file path under this folder (a sandbox) instead of /.")
        var root: String = "/"

        @Option(name: .long, help: "JSON file given to every step as its input [{}].")
        var input: String?

        @Flag(name: .long, help: "Only plan: print what each step would change.")
        var dryRun = false

        func run() async throws {
            let document = try readFile(config, what: "configuration")
            guard let pipeline = try PipelineDefinition.parseAll(document)[name] else {
                throw ValidationError("\(config) has no pipeline named `\(name)`")
            }
            let catalog = try PluginCatalog.load(folders: dir.isEmpty ? [PluginLoading.folder] : dir, loader: PluginLoading.loader)
            for refusal in catalog.refusals {
                FileHandle.standardError.write(Data("refused: \(refusal)\n".utf8))
            }
            let run = try PipelineRunner(catalog: catalog).start(
                pipeline, input: try input.map { try readFile($0, what: "input") } ?? Array("{}".utf8),
                target: LocalTarget(root: root), dryRun: dryRun)
            let interrupts = Interrupts { run.cancel() }
            defer { interrupts.stop() }
            for await event in run.events {
                // Written unbuffered: each line shows when it happens, to a terminal, a pipe or a file.
                if let line = PipelineEventText.line(for: event) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
            }
            switch await run.report().status {
            case .failed: throw ExitCode(1)
            // As a shell reports a command stopped by Ctrl-C; what was applied is rolled back.
            case .cancelled: throw ExitCode(130)
            default: break
            }
        }

        private func readFile(_ path: String, what: String) throws -> [UInt8] {
            guard let data = try? LocalFiles.read(path) else {
                throw ValidationError("cannot read the \(what) file \(path)")
            }
            return data
        }
    }
}
