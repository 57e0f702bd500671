import Foundation
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
    struct Config: Decodable {
        var iptablesSave = "iptables-save"
        var iptablesRestore = "iptables-restore"
        var socat = "socat"

        enum CodingKeys: String, CodingKey {
            case iptablesSave = "iptables_save"
            case iptablesRestore = "iptables_restore"
            case socat
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            iptablesSave = try c.decodeIfPresent(String.self, forKey: .iptablesSave) ?? iptablesSave
            iptablesRestore = try c.decodeIfPresent(String.self, forKey: .iptablesRestore) ?? iptablesRestore
            socat = try c.decodeIfPresent(String.self, forKey: .socat) ?? socat
        }

        static func decode(_ bytes: [UInt8]) throws -> Config {
            return try JSONDecoder().decode(Config.self, from: Data(bytes.isEmpty ? Array("{}".utf8) : bytes))
        }
    }

    static func plan(_ call: PluginCall) throws -> Int32 {
        let config = try Config.decode(call.config)
        let state = try JSONDecoder().decode(PortForward.State.self, from: Data(call.input))
        var results: [String: Any] = [:]
        var valid: [PortForward] = []
        var processes: [[String: Any]] = []
        var socatInstalled: Bool?
        for forward in state.portForwards where forward.enabled {
            var problem = forward.problem
            if problem == nil, forward.method == "socat" {
                if socatInstalled == nil { socatInstalled = call.host.run([config.socat, "-V"], probe: true, quiet: true).exitStatus == 0 }
                if socatInstalled == false { problem = "the socat method needs socat, which this server does not have" }
            }
            if let problem {
                results[forward.tag] = ["status": "failed", "message": problem]
                call.host.log(PP_LOG_WARNING, "\(forward.tag) left out: \(problem)")
            } else if forward.method == "socat" {
                processes += forward.socatProcesses.map { ["id": $0.id, "argv": [config.socat] + $0.argv.dropFirst()] }
                results[forward.tag] = ["status": "applied"]
            } else {
                valid.append(forward)
                results[forward.tag] = ["status": "applied"]
            }
        }
        let current = try saved(call.host, config)
        let desired = Ruleset(forwards: valid)
        let plan: [String: Any] = [
            "changes": desired.differences(from: current), "restore": desired.restoreInput(from: current),
            "expected": desired.rules, "results": results, "processes": processes,
        ]
        return call.write(try JSONSerialization.data(withJSONObject: plan, options: [.sortedKeys]))
    }

    static func apply(_ call: PluginCall) throws -> Int32 {
        let config = try Config.decode(call.config)
        let plan = try object(call.input)
        guard let restore = plan["restore"] as? String else { throw StepError("the plan is not one this plugin wrote") }
        let previous = try saved(call.host, config)
        // The journal: the rules to go back to, and what each forward became.
        let journal: [String: Any] = ["previous_rules": previous.rules, "previous_jumps": previous.jumps.sorted(),
                                      "resource_results": plan["results"] ?? [:]]
        call.write(try JSONSerialization.data(withJSONObject: journal, options: [.sortedKeys]))
        try restoreAtomically(restore, call.host, config)
        return PP_OK
    }

    static func verify(_ call: PluginCall) throws -> Int32 {
        let config = try Config.decode(call.config)
        let plan = try object(call.input)
        let expected = plan["expected"] as? [String: [String]] ?? [:]
        let current = try saved(call.host, config)
        for entry in Ruleset.chains where (current.rules[entry.chain] ?? []) != (expected[entry.chain] ?? []) {
            return call.fail("\(entry.chain) does not hold the applied rules")
        }
        return PP_OK
    }

    static func rollback(_ call: PluginCall) throws -> Int32 {
        let config = try Config.decode(call.config)
        let journal = try object(call.input)
        guard let rules = journal["previous_rules"] as? [String: [String]], let jumps = journal["previous_jumps"] as? [String] else {
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
                throw StepError("\(config.iptablesRestore) \(arguments.joined(separator: " ")) failed (exit \(result.exitStatus)): \(String(decoding: result.standardError.prefix(1000), as: UTF8.self))")
            }
        }
    }

    private static func saved(_ host: HostProxy, _ config: Config) throws -> Ruleset {
        var text = ""
        for table in Ruleset.tables {
            let result = host.run([config.iptablesSave, "-t", table], probe: true, quiet: true)
            guard result.status == PP_OK, result.exitStatus == 0 else {
                throw StepError("\(config.iptablesSave) -t \(table) failed (exit \(result.exitStatus)): \(String(decoding: result.standardError.prefix(500), as: UTF8.self))")
            }
            text += String(decoding: result.standardOutput, as: UTF8.self)
        }
        return Ruleset(saved: text)
    }

    private static func object(_ bytes: [UInt8]) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw StepError("expected a JSON object")
        }
        return object
    }
}

/// A failure reported as the step's one-line error.
struct StepError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
