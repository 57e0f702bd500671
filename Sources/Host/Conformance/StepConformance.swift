import JSONCore
import PluginAPI

/// Checks one step plugin against the promises of the step interface, one rule at a time,
/// inside a throwaway root folder (every file path the step uses resolves under it; commands
/// still run on this machine). Each rule starts from the root as the caller left it and checks
/// what the step's phases did to it, so a rule reports the promise a plugin broke and how.
public struct StepConformance {
    /// One promise of the step interface.
    public enum Rule: String, CaseIterable, Codable, Sendable {
        case planHasNoEffects = "plan-has-no-effects"
        case planIsRepeatable = "plan-is-repeatable"
        case applyThenVerify = "apply-then-verify"
        case converges = "converges"
        case rollbackRestores = "rollback-restores"
        case cancelledApplyRollsBack = "cancelled-apply-rolls-back"
        case malformedConfigRefused = "malformed-config-refused"
        case oversizedConfigHandled = "oversized-config-handled"

        /// The promise, as one sentence.
        public var promise: String {
            switch self {
            case .planHasNoEffects: "plan, called twice, changes nothing and tries no effect"
            case .planIsRepeatable: "plan gives the same JSON plan, with a `changes` list, each time"
            case .applyThenVerify: "apply succeeds and writes a JSON journal; verify then passes"
            case .converges: "after apply, plan reports no changes"
            case .rollbackRestores: "rollback with apply's journal restores every file exactly"
            case .cancelledApplyRollsBack: "an apply cancelled after its first effect leaves a journal rollback can restore from"
            case .malformedConfigRefused: "a config that is not a JSON object fails plan with a message, and changes nothing"
            case .oversizedConfigHandled: "a config with 16 MiB strings is planned or refused with a message, and changes nothing"
            }
        }
    }

    /// What one rule found.
    public struct Finding: Codable, Sendable, Equatable {
        public enum Verdict: String, Codable, Sendable {
            case passed, failed
            /// The rule could not be tried here (nothing to apply on this root).
            case notExercised = "not-exercised"
        }

        public var rule: Rule
        public var verdict: Verdict
        public var detail: String

        public init(rule: Rule, verdict: Verdict, detail: String) {
            self.rule = rule
            self.verdict = verdict
            self.detail = detail
        }
    }

    /// Why a plugin cannot be checked at all.
    public struct Refusal: Error, CustomStringConvertible {
        public var description: String
    }

    private let plugin: String
    private let plan: PluginFunction
    private let apply: PluginFunction
    private let verify: PluginFunction?
    private let rollback: PluginFunction?
    private let config: [UInt8]
    private let input: [UInt8]
    private let root: String

    /// `root`: an existing folder, the target's `/` for every phase; `config`: the step's
    /// config; `input`: what plan receives (for an apply pipeline, a desired state).
    public init(plugin: LoadedPlugin, config: [UInt8], input: [UInt8], root: String) throws(Refusal) {
        guard let table = plugin.interface(PP_INTERFACE_STEP, as: pp_step_v1.self), let plan = table.pointee.plan, let apply = table.pointee.apply
        else {
            throw Refusal(description: "\(plugin.file) provides no \(PP_INTERFACE_STEP) with plan and apply: only step plugins are checked")
        }
        self.plugin = plugin.id
        self.plan = plan
        self.apply = apply
        verify = table.pointee.verify
        rollback = table.pointee.rollback
        // The config as a pipeline would pass it: checked against the declared schema, defaults filled.
        do { self.config = try plugin.checkedConfig(config) } catch { throw Refusal(description: "the config given is refused: \(error)") }
        self.input = input
        self.root = root
    }

    /// Runs one rule.
    public func check(_ rule: Rule) -> Finding {
        do {
            return try run(rule)
        } catch let failure as RuleFailure {
            return Finding(rule: rule, verdict: .failed, detail: failure.detail)
        } catch let skipped as NotExercised {
            return Finding(rule: rule, verdict: .notExercised, detail: skipped.detail)
        } catch {
            return Finding(rule: rule, verdict: .failed, detail: "\(error)")
        }
    }

    // MARK: - The rules

    private func run(_ rule: Rule) throws -> Finding {
        func passed(_ detail: String) -> Finding { Finding(rule: rule, verdict: .passed, detail: detail) }
        let before = try snapshot()
        switch rule {
        case .planHasNoEffects:
            for _ in 0..<2 { _ = try planned(config: config) }
            try expectUnchanged(since: before, "plan changed the target")
            return passed("two plans changed nothing")

        case .planIsRepeatable:
            let first = try planned(config: config)
            let second = try planned(config: config)
            guard first.status == second.status, first.output == second.output else {
                throw RuleFailure("the second plan differs from the first: \(Self.text(first.output)) then \(Self.text(second.output))")
            }
            if first.status == PP_SKIPPED { return passed("plan skips this target, twice") }
            // Checked whole here: a run reads only up to the plan's `changes`.
            guard (try? JSONParser.parse(first.output)) != nil, let count = PipelineExecution.changeCount(first.output) else {
                throw RuleFailure("the plan is not a JSON object with a `changes` list: \(Self.text(first.output))")
            }
            return passed("the plan lists \(count) change(s), the same twice")

        case .applyThenVerify:
            let (plan, journal) = try applied()
            if let verify {
                let result = try call(verify, phase: "verify", input: plan, grants: .observe)
                guard result.status == PP_OK else { throw RuleFailure("verify after apply: \(Self.reason(result))") }
            }
            return passed("applied (journal of \(journal.count) bytes)\(verify == nil ? "; the step has no verify" : ", verified")")

        case .converges:
            _ = try applied()
            let again = try planned(config: config)
            guard again.status == PP_SKIPPED || PipelineExecution.changeCount(again.output) == 0 else {
                throw RuleFailure("after apply, plan still lists changes: \(Self.text(again.output))")
            }
            return passed("after apply, plan reports no changes")

        case .rollbackRestores:
            let (_, journal) = try applied()
            try rolledBack(journal: journal, since: before)
            return passed("rollback restored every file")

        case .cancelledApplyRollsBack:
            let plan = try plannedWithChanges()
            let cancellation = CancellationFlag()
            let target = CancelAfterFirstEffect(base: LocalTarget(root: root), cancellation: cancellation)
            let result = try call(apply, phase: "apply", input: plan, grants: .effects, target: target, cancellation: cancellation)
            guard cancellation.isCancelled else { throw NotExercised("apply performed no effect, so it was never cancelled") }
            if !result.output.isEmpty {
                do { _ = try JSONParser.parse(result.output) } catch {
                    throw RuleFailure(
                        "the journal of the cancelled apply is not JSON (\(error)): rollback could not read it. Write it whole before each effect")
                }
            }
            try rolledBack(journal: result.output, since: before)
            return passed("apply returned \(Self.statusName(result.status)) when cancelled; rollback restored every file")

        case .malformedConfigRefused:
            for malformed in [#"{"text": "#, "[]", #""text""#, #"{"a": 1,}"#, ""] {
                let result = try call(plan, phase: "plan", input: input, grants: .observe, config: Array(malformed.utf8))
                guard result.status == PP_FAILED, !result.error.isEmpty else {
                    throw RuleFailure(
                        "plan with config `\(malformed)` returned \(Self.statusName(result.status))\(result.error.isEmpty ? " without a message" : "")"
                    )
                }
            }
            try expectUnchanged(since: before, "planning with a malformed config changed the target")
            return passed("five malformed configs were refused with a message")

        case .oversizedConfigHandled:
            let oversized = try Self.oversized(config)
            let result = try call(plan, phase: "plan", input: input, grants: .observe, config: oversized)
            guard result.status != PP_FAILED || !result.error.isEmpty else { throw RuleFailure("plan failed without a message") }
            guard [PP_OK, PP_SKIPPED, PP_FAILED].contains(result.status) else {
                throw RuleFailure("plan returned \(Self.statusName(result.status))")
            }
            try expectUnchanged(since: before, "planning with an oversized config changed the target")
            return passed(result.status == PP_FAILED ? "refused: \(result.error)" : "planned (\(Self.statusName(result.status)))")
        }
    }

    // MARK: - Phases

    /// A plan with the given config that succeeded or skipped, with no effect tried.
    private func planned(config: [UInt8]) throws -> PluginCallResult {
        let result = try call(plan, phase: "plan", input: input, grants: .observe, config: config)
        guard result.status == PP_OK || result.status == PP_SKIPPED else { throw RuleFailure("plan: \(Self.reason(result))") }
        return result
    }

    /// A plan that has changes to apply; rules that need one are not exercised without it.
    private func plannedWithChanges() throws -> [UInt8] {
        let result = try planned(config: config)
        guard result.status == PP_OK else { throw NotExercised("plan skips this target") }
        guard let count = PipelineExecution.changeCount(result.output) else {
            throw RuleFailure("the plan is not a JSON object with a `changes` list: \(Self.text(result.output))")
        }
        guard count > 0 else { throw NotExercised("plan finds nothing to change on this root; give a --seed folder where it has work") }
        return result.output
    }

    /// Plans and applies; returns the plan and the journal.
    private func applied() throws -> (plan: [UInt8], journal: [UInt8]) {
        let plan = try plannedWithChanges()
        let result = try call(apply, phase: "apply", input: plan, grants: .effects)
        guard result.status == PP_OK else { throw RuleFailure("apply: \(Self.reason(result))") }
        do { _ = try JSONParser.parse(result.output) } catch { throw RuleFailure("the journal is not JSON (\(error)): \(Self.text(result.output))") }
        return (plan, result.output)
    }

    /// Rolls back with `journal` and checks every file is as in `before`.
    private func rolledBack(journal: [UInt8], since before: FileTreeSnapshot) throws {
        guard let rollback else {
            try expectUnchanged(since: before, "the step has no rollback, but apply changed the target")
            return
        }
        let result = try call(rollback, phase: "rollback", input: journal, grants: .effects)
        guard result.status == PP_OK else { throw RuleFailure("rollback: \(Self.reason(result))") }
        try expectUnchanged(since: before, "after rollback the target is not as before apply")
    }

    /// Calls one phase against the root; fails the rule when it tried an effect it was not granted.
    private func call(
        _ function: PluginFunction, phase: String, input: [UInt8], grants: Grants, target: (any Target)? = nil,
        cancellation: CancellationFlag = CancellationFlag(), config: [UInt8]? = nil
    ) throws -> PluginCallResult {
        let services = HostServices(
            grants: grants, target: target ?? LocalTarget(root: root), cancellation: cancellation, onLog: { _ in }, onProgress: { _ in })
        let result = PluginInvocation.call(function, config: config ?? self.config, input: input, services: services)
        if let denied = services.deniedRequests.first { throw RuleFailure("\(phase) tried to \(denied), which \(phase) is not granted") }
        return result
    }

    // MARK: - Helpers

    private func snapshot() throws -> FileTreeSnapshot {
        do { return try FileTreeSnapshot(of: root) } catch { throw RuleFailure("cannot read the root folder: \(error)") }
    }

    private func expectUnchanged(since before: FileTreeSnapshot, _ what: String) throws {
        let differences = try snapshot().differences(from: before)
        guard differences.isEmpty else { throw RuleFailure("\(what): \(differences.prefix(5).joined(separator: ", "))") }
    }

    /// `config` with every string member 16 MiB long (or, with none, one such member added).
    static func oversized(_ config: [UInt8]) throws -> [UInt8] {
        let huge = JSON.string(String(repeating: "a", count: 16 << 20))
        guard case .object(var members) = try JSONParser.parse(config) else {
            throw RuleFailure("the config given is not a JSON object")
        }
        var replaced = false
        for index in members.indices {
            if case .string = members[index].1 {
                members[index].1 = huge
                replaced = true
            }
        }
        if !replaced { members.append(("oversized", huge)) }
        return JSON.object(members).serialized()
    }

    private static func reason(_ result: PluginCallResult) -> String {
        result.error.isEmpty ? "returned \(statusName(result.status)) without a message" : "returned \(statusName(result.status)): \(result.error)"
    }

    static func statusName(_ status: Int32) -> String {
        switch status {
        case PP_OK: "PP_OK"
        case PP_SKIPPED: "PP_SKIPPED"
        case PP_FAILED: "PP_FAILED"
        case PP_CANCELLED: "PP_CANCELLED"
        default: "status \(status)"
        }
    }

    /// At most 300 characters of a plugin's output, for a message.
    private static func text(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(300), as: UTF8.self)
        return bytes.count > 300 ? text + "…" : text
    }
}

/// A rule was broken; `detail` says how.
private struct RuleFailure: Error {
    var detail: String
    init(_ detail: String) { self.detail = detail }
}

/// A rule could not be tried on this root.
private struct NotExercised: Error {
    var detail: String
    init(_ detail: String) { self.detail = detail }
}
