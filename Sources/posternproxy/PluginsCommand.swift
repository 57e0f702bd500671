import ArgumentParser
import Controller
import Foundation
import Host

/// `posternproxy plugins`: what the host sees in a plugins folder or file.
struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List, check, test and start plugins.",
        subcommands: [List.self, Check.self, Test.self, New.self, Inspect.self, TestRule.self]
    )

    /// Loads each file in a child process, so a plugin that crashes takes only the child down.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the plugins of a folder: id, version, kinds, ABI, interfaces, file.",
            discussion: "Exits 1 when any file is refused; each refusal is printed with its reason.")

        @Option(
            name: .long, help: "Plugins folder [$POSTERNPROXY_PLUGINS_DIR, else ./plugins beside the executable, else \(PluginFolder.installed)].")
        var dir: String?

        @Flag(name: .long, help: "Print JSON instead of a table.")
        var json = false

        func run() throws {
            let folder = dir ?? PluginLoading.folder
            let files: [String]
            do {
                files = try FileManager.default.contentsOfDirectory(atPath: folder)
                    .filter { $0.hasSuffix(".so") }.sorted()
                    .map { (folder as NSString).appendingPathComponent($0) }
            } catch {
                throw ValidationError("cannot read plugins folder \(folder): \(error.localizedDescription)")
            }
            let listing = PluginListing(inspections: files.map { IsolatedInspection.inspect($0) })
            if json {
                print(try listing.json())
            } else {
                print(listing.table())
            }
            for refusal in listing.refusals {
                FileHandle.standardError.write(Data("refused: \(refusal)\n".utf8))
            }
            if !listing.refusals.isEmpty { throw ExitCode(1) }
        }
    }

    /// Loads one file in a child process and reports what the host sees, or why it refuses it.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check one plugin file: load it in a child process and report what the host sees.",
            discussion: "Exits 0 when the host would load it, 1 with the reason when it would not.")

        @Argument(help: "The shared object to check.")
        var file: String

        func run() throws {
            switch IsolatedInspection.inspect(file) {
            case .accepted(let plugin):
                print(plugin.details())
            case .refused(let reason):
                FileHandle.standardError.write(Data("refused: \(reason)\n".utf8))
                throw ExitCode(1)
            }
        }
    }

    /// The child side of `list` and `check`: loads one file in this process, prints JSON.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load one plugin file in this process and print what was seen as JSON.",
            shouldDisplay: false)

        @Argument var file: String

        func run() throws {
            let inspection: PluginInspection
            do {
                inspection = .accepted(PluginSummary(try PluginLoading.loader.load(file)))
            } catch {
                inspection = .refused(error.description)
            }
            print(try inspection.encoded())
        }
    }
}
