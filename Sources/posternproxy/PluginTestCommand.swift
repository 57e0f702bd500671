import ArgumentParser
import Controller
import Foundation
import Host
import JSONCore
import PluginAPI

extension PluginsCommand {
    /// `posternproxy plugins test`: a conformance run of one step plugin, each rule in a child
    /// process of its own and a throwaway root folder of its own.
    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a step plugin against the step interface's promises, in a throwaway root.",
            discussion: """
                Each rule runs in a child process (a crash fails that rule only) with a fresh root folder, a copy of --seed \
                when given, under which every file path the step uses resolves (commands still run on this machine). \
                Rules: \(StepConformance.Rule.allCases.map(\.rawValue).joined(separator: ", ")). \
                Exits 0 when no rule was broken, 1 otherwise.
                """)

        @Argument(help: "The step plugin's shared object.")
        var file: String

        @Option(name: .long, help: "The step's config: a JSON file, or the JSON object itself [{}].")
        var config: String = "{}"

        @Option(name: .long, help: "A JSON file given to plan as its input (an apply pipeline's desired state) [{}].")
        var input: String?

        @Option(name: .long, help: "A folder copied into each rule's root first, so the step finds what it works on.")
        var seed: String?

        /// How long one rule may run.
        static let ruleTimeout: TimeInterval = 120

        func run() throws {
            let plugin: PluginSummary
            switch IsolatedInspection.inspect(file) {
            case .accepted(let summary): plugin = summary
            case .refused(let reason): throw ValidationError("refused: \(reason)")
            }
            guard plugin.interfaces.contains(PP_INTERFACE_STEP) else {
                throw ValidationError(
                    "\(file) is not a step plugin (it provides \(plugin.interfaces.joined(separator: ", "))): only steps are tested; a profile's actions are run, diffed and reverted by the host itself"
                )
            }
            // Read once here, so a bad argument is reported before any rule runs.
            _ = try RuleInputs.read(config: config, input: input)
            print("\(plugin.id) \(plugin.version) (\(file)), each rule in a throwaway root:")
            var broken = 0
            var notExercised = 0
            for rule in StepConformance.Rule.allCases {
                // Made and removed here, so a rule whose plugin crashed leaves no folder behind.
                let root = try ThrowawayRoot(seed: seed)
                defer { root.remove() }
                let finding = Self.check(rule, arguments: arguments(for: rule, root: root.path))
                switch finding.verdict {
                case .passed: print("  ok       \(rule.rawValue): \(finding.detail)")
                case .failed:
                    broken += 1
                    print("  BROKEN   \(rule.rawValue) (\(rule.promise)): \(finding.detail)")
                case .notExercised:
                    notExercised += 1
                    print("  not run  \(rule.rawValue): \(finding.detail)")
                }
            }
            let count = StepConformance.Rule.allCases.count
            print("\(count - broken - notExercised) of \(count) rules kept, \(broken) broken, \(notExercised) not exercised")
            if broken > 0 { throw ExitCode(1) }
        }

        private func arguments(for rule: StepConformance.Rule, root: String) -> [String] {
            ["plugins", "test-rule", file, "--rule", rule.rawValue, "--config", config, "--root", root] + (input.map { ["--input", $0] } ?? [])
        }

        private static func check(_ rule: StepConformance.Rule, arguments: [String]) -> StepConformance.Finding {
            func broken(_ detail: String) -> StepConformance.Finding { .init(rule: rule, verdict: .failed, detail: detail) }
            switch IsolatedChild.run(arguments, timeout: ruleTimeout) {
            case .notStarted(let reason): return broken("cannot start the checking process (\(reason))")
            case .timedOut: return broken("did not finish within \(Int(ruleTimeout)) seconds (a phase that never returns?)")
            case .crashed(let signal, let name): return broken("the plugin crashed the checking process (\(name), signal \(signal))")
            case .exited(let status, let output):
                guard let finding = try? JSONDecoder().decode(StepConformance.Finding.self, from: output) else {
                    return broken("the checking process exited with status \(status) without a finding; the plugin may have called exit()")
                }
                return finding
            }
        }
    }

    /// The child side of `test`: one rule, in this process, in the root it is given; prints the finding.
    struct TestRule: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test-rule", abstract: "Run one conformance rule in this process and print the finding as JSON.", shouldDisplay: false)

        @Argument var file: String
        @Option(name: .long) var rule: String
        @Option(name: .long) var config: String
        @Option(name: .long) var input: String?
        @Option(name: .long) var root: String

        func run() throws {
            guard let rule = StepConformance.Rule(rawValue: rule) else { throw ValidationError("no rule named \(rule)") }
            let inputs = try RuleInputs.read(config: config, input: input)
            let finding: StepConformance.Finding
            do {
                let plugin = try PluginLoading.loader.load(file)
                finding = try StepConformance(plugin: plugin, config: inputs.config, input: inputs.input, root: root).check(rule)
            } catch {
                finding = .init(rule: rule, verdict: .failed, detail: "\(error)")
            }
            print(String(decoding: try JSONEncoder().encode(finding), as: UTF8.self))
        }
    }
}

/// A folder of its own for one rule: empty, or a copy of the seed.
struct ThrowawayRoot {
    let path: String

    init(seed: String?) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("posternproxy-plugin-test-\(UUID().uuidString)").path
        do {
            if let seed {
                try FileManager.default.copyItem(atPath: seed, toPath: path)
            } else {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            }
        } catch {
            throw ValidationError("cannot make a throwaway root at \(path): \(error.localizedDescription)")
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The step's config and plan input, as `plugins test` takes them.
enum RuleInputs {
    static func read(config: String, input: String?) throws -> (config: [UInt8], input: [UInt8]) {
        let configBytes: [UInt8]
        if let first = config.drop(while: \.isWhitespace).first, first == "{" || first == "[" {
            configBytes = Array(config.utf8)
        } else {
            guard let bytes = try? LocalFiles.read(config) else { throw ValidationError("cannot read the config file \(config)") }
            configBytes = bytes
        }
        do {
            guard case .object = try JSONParser.parse(configBytes) else { throw ValidationError("the config must be a JSON object") }
        } catch let error as JSONReadError {
            let position = error.lineAndColumn(in: configBytes).map { " (line \($0.line), column \($0.column))" } ?? ""
            throw ValidationError("the config is not JSON\(position): \(error)")
        }
        let inputBytes: [UInt8]
        if let input {
            guard let bytes = try? LocalFiles.read(input) else { throw ValidationError("cannot read the input file \(input)") }
            inputBytes = bytes
        } else {
            inputBytes = Array("{}".utf8)
        }
        return (configBytes, inputBytes)
    }
}
