import JSONCore
import PluginAPI
import PluginKit

/// The `posternproxy.iptables` step: makes the target's PosternProxy chains hold exactly the
/// rules of the desired port forwards, atomically with iptables-restore (checked with `--test`
/// first), and puts the previous rules back on rollback. An invalid forward is reported failed
/// and left out; the others apply. Forwards of the socat method become `processes` in the plan,
/// which the host keeps running (``ManagedProcess`` in the host).
///
/// plan → `{"changes", "restore", "expected", "results", "processes"}`; apply → the journal
/// `{"previous", "resource_results"}`; verify compares iptables-save with the plan.
enum IptablesStep {
    /// Commands, overridable in the step's config (`iptables-legacy-save`, say).
    struct Config {
        var iptablesSave = "iptables-save"
        var iptablesRestore = "iptables-restore"
        var socat = "socat"

        static func decode(_ bytes: [UInt8]) throws -> Config {
            guard !bytes.isEmpty else { return Config() }
            do {
                let object = try JSONObject(try JSONParser.parse(bytes))
                var config = Config()
                config.iptablesSave = try object.value("iptables_save", default: config.iptablesSave)
                config.iptablesRestore = try object.value("iptables_restore", default: config.iptablesRestore)
                config.socat = try object.value("socat", default: config.socat)
                return config
            } catch {
                throw PluginFailure("config: \(error)")
            }
        }
    }

    static func plan(_ call: PluginCall) throws -> Int32 {
        let config = try Config.decode(call.config)
        var results: [(String, JSON)] = []
        var valid: [PortForward] = []
        var processes: [JSON] = []
        var socatInstalled: Bool?
        for forward in try PortForward.all(in: call.input) where forward.enabled {
            var problem = forward.problem
            if problem == nil, forward.method == "socat" {
                if socatInstalled == nil { socatInstalled = call.host.run([config.socat, "-V"], probe: true, quiet: true).exitStatus == 0 }
                if socatInstalled == false { problem = "the socat method needs socat, which this server does not have" }
            }
            if let problem {
                results.append((forward.tag, ["status": "failed", "message": .string(problem)]))
                call.host.log(PP_LOG_WARNING, "\(forward.tag) left out: \(problem)")
            } else if forward.method == "socat" {
                processes += forward.socatProcesses.map { ["id": .string($0.id), "argv": .strings([config.socat] + $0.argv.dropFirst())] }
                results.append((forward.tag, ["status": "applied"]))
            } else {
                valid.append(forward)
                results.append((forward.tag, ["status": "applied"]))
            }
        }
        let current = try saved(call.host, config)
        let desired = Ruleset(forwards: valid)
        let plan: JSON = [
            "changes": .strings(desired.differences(from: current)), "restore": .string(desired.restoreInput(from: current)),
            "expected": rulesJSON(desired.rules), "results": .object(results), "processes": .array(processes),
        ]
        return call.write(plan.serialized())
    }

    static func apply(_ call: PluginCall) throws -> Int32 {
        let config = try Config.decode(call.config)
        let plan = try document(call.input)
        guard case .string(let restore)? = plan["restore"] else { throw PluginFailure("the plan is not one this plugin wrote") }
        let previous = try saved(call.host, config)
        // The journal: the rules to go back to, and what each forward became.
        let journal: JSON = [
            "previous_rules": rulesJSON(previous.rules), "previous_jumps": .strings(previous.jumps.sorted()),
            "resource_results": plan["results"] ?? .object([]),
        ]
        call.write(journal.serialized())
        try restoreAtomically(restore, call.host, config)
        return PP_OK
    }

    static func verify(_ call: PluginCall) throws -> Int32 {
        let config = try Config.decode(call.config)
        let expected = (try? [String: [String]](json: try document(call.input)["expected"] ?? .null)) ?? [:]
        let current = try saved(call.host, config)
        for entry in Ruleset.chains where (current.rules[entry.chain] ?? []) != (expected[entry.chain] ?? []) {
            return call.fail("\(entry.chain) does not hold the applied rules")
        }
        return PP_OK
    }

    static func rollback(_ call: PluginCall) throws -> Int32 {
        let config = try Config.decode(call.config)
        let journal = try document(call.input)
        guard let rules = try? [String: [String]](json: journal["previous_rules"] ?? .null),
            let jumps = try? [String](json: journal["previous_jumps"] ?? .null)
        else {
            return PP_OK  // apply stopped before it changed anything
        }
        var previous = Ruleset(forwards: [])
        previous.rules = rules
        previous.jumps = Set(jumps)
        try restoreAtomically(previous.restoreInput(from: try saved(call.host, config)), call.host, config)
        return PP_OK
    }

    // MARK: - Helpers

    /// Tests the input with `--test`, then applies it; iptables-restore commits each table at once.
    private static func restoreAtomically(_ input: String, _ host: HostProxy, _ config: Config) throws {
        for arguments in [["--noflush", "--test"], ["--noflush"]] {
            let result = host.run([config.iptablesRestore] + arguments, input: Array(input.utf8))
            guard result.status == PP_OK, result.exitStatus == 0 else {
                throw PluginFailure(
                    "\(config.iptablesRestore) \(arguments.joined(separator: " ")) failed (exit \(result.exitStatus)): \(String(decoding: result.standardError.prefix(1000), as: UTF8.self))"
                )
            }
        }
    }

    private static func saved(_ host: HostProxy, _ config: Config) throws -> Ruleset {
        var text = ""
        for table in Ruleset.tables {
            let result = host.run([config.iptablesSave, "-t", table], probe: true, quiet: true)
            guard result.status == PP_OK, result.exitStatus == 0 else {
                throw PluginFailure(
                    "\(config.iptablesSave) -t \(table) failed (exit \(result.exitStatus)): \(String(decoding: result.standardError.prefix(500), as: UTF8.self))"
                )
            }
            text += String(decoding: result.standardOutput, as: UTF8.self)
        }
        return Ruleset(saved: text)
    }

    /// A plan or journal this plugin wrote, read back.
    private static func document(_ bytes: [UInt8]) throws -> JSON {
        guard let document = try? JSONParser.parse(bytes), case .object = document else { throw PluginFailure("expected a JSON object") }
        return document
    }

    /// Rules by chain, with the chains in order.
    private static func rulesJSON(_ rules: [String: [String]]) -> JSON {
        .object(rules.sorted { $0.key < $1.key }.map { ($0.key, .strings($0.value)) })
    }
}
