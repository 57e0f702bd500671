import Glibc
import JSONCore
import PluginAPI

/// One run of a resolved pipeline, executed synchronously on the run's own thread.
struct PipelineExecution {
    let pipeline: String
    let steps: [ResolvedStep]
    let input: [UInt8]
    let target: any Target
    let dryRun: Bool
    let cancellation: CancellationFlag
    let emit: @Sendable (PipelineEvent) -> Void

    /// Why a step stopped the run.
    private struct Stop: Error {
        var phase: StepPhase
        var outcome: StepOutcome
    }

    func run() -> PipelineReport {
        var reports = steps.map { StepReport(step: $0.reference, outcome: .notRun) }
        var journals: [(index: Int, journal: [UInt8])] = []
        var status = PipelineReport.Status.succeeded

        for (index, step) in steps.enumerated() {
            do {
                let (outcome, plan) = try execute(step) { journal in
                    journals.append((index, journal))
                    reports[index].result = journal
                }
                reports[index].outcome = outcome
                reports[index].plan = plan
                emit(.stepFinished(step.reference, outcome))
            } catch {
                reports[index].outcome = error.outcome
                emit(.stepFinished(step.reference, error.outcome))
                if case .failed(let phase, let message) = error.outcome {
                    status = .failed(step: step.reference, phase: phase, message: message)
                } else {
                    status = .cancelled
                }
                break
            }
        }

        var rollbackOrder: [String] = []
        if status != .succeeded {
            for (index, journal) in journals.reversed() {
                let outcome = rollBack(steps[index], journal: journal)
                reports[index].rollback = outcome
                rollbackOrder.append(steps[index].reference.plugin)
                emit(.rolledBack(steps[index].reference, outcome))
            }
        }
        return PipelineReport(pipeline: pipeline, dryRun: dryRun, status: status, steps: reports, rollbackOrder: rollbackOrder)
    }

    /// Plan → apply → verify for one step. `applied` receives the journal as soon as apply has
    /// been called, whatever it returned, so a half-done apply is rolled back too.
    private func execute(_ step: ResolvedStep, applied: ([UInt8]) -> Void) throws(Stop) -> (StepOutcome, [UInt8]?) {
        // A request the plan begins may be answered in its apply or verify; one left is closed here.
        let begun = BegunHTTPRequests()
        defer { begun.closeAll() }
        try checkCancelled(before: .plan)
        let plan = call(step, .plan, step.plan, input: input, grants: .observe, begun: begun)
        if plan.result.status == PP_SKIPPED {
            return (.skipped(reason: plan.result.error.isEmpty ? "does not apply to this target" : plan.result.error), nil)
        }
        try requireSuccess(plan, phase: .plan)
        guard let changes = Self.changeCount(plan.result.output) else {
            throw Stop(phase: .plan, outcome: .failed(phase: .plan, message: "plan output is not a JSON object with a \"changes\" list"))
        }
        if changes == 0 { return (.unchanged, plan.result.output) }
        if dryRun { return (.planned(changes: changes), plan.result.output) }

        try checkCancelled(before: .apply)
        let apply = call(step, .apply, step.apply, input: plan.result.output, grants: .effects, begun: begun)
        applied(apply.result.output)
        try requireSuccess(apply, phase: .apply)

        if let verify = step.verify {
            try checkCancelled(before: .verify)
            let check = call(step, .verify, verify, input: plan.result.output, grants: .observe, begun: begun)
            try requireSuccess(check, phase: .verify)
        }
        return (.applied(changes: changes), plan.result.output)
    }

    /// Rolls the run's one step back with `journal`: a step removed from its pipeline.
    func rollBackRemoved(journal: [UInt8]) -> RollbackOutcome {
        guard let step = steps.first else { return .unsupported }
        return rollBack(step, journal: journal)
    }

    private func rollBack(_ step: ResolvedStep, journal: [UInt8]) -> RollbackOutcome {
        guard let rollback = step.rollback else { return .unsupported }
        // A rollback runs to its end even when the run was cancelled: it gets a flag of its own.
        let undo = call(step, .rollback, rollback, input: JournalRecords.readable(journal), grants: .effects, cancellation: CancellationFlag())
        guard undo.result.status == PP_OK else {
            return .failed(Self.message(undo.result, phase: .rollback))
        }
        return .rolledBack
    }

    // MARK: - Calls

    private struct PhaseCall {
        var result: PluginCallResult
        var denied: [String]
    }

    private func call(
        _ step: ResolvedStep, _ phase: StepPhase, _ function: StepFunction, input: [UInt8],
        grants: Grants, cancellation: CancellationFlag? = nil, begun: BegunHTTPRequests = BegunHTTPRequests()
    ) -> PhaseCall {
        emit(.phaseStarted(step.reference, phase))
        let reference = step.reference
        let emit = self.emit
        let services = HostServices(
            grants: grants, target: target, cancellation: cancellation ?? self.cancellation, begunRequests: begun,
            onLog: { emit(.log(reference, $0)) },
            onProgress: { emit(.progress(reference, $0)) })
        let result =
            switch function {
            case .plugin(let function): PluginInvocation.call(function, config: step.config, input: input, services: services)
            case .native(let function): function(step.config, input, services)
            }
        return PhaseCall(result: result, denied: services.deniedRequests)
    }

    private func requireSuccess(_ call: PhaseCall, phase: StepPhase) throws(Stop) {
        if let denied = call.denied.first {
            let what = phase == .plan ? "while planning; plan must have no side effects" : "during \(phase.rawValue)"
            throw Stop(phase: phase, outcome: .failed(phase: phase, message: "tried to \(denied) \(what)"))
        }
        switch call.result.status {
        case PP_OK:
            return
        case PP_CANCELLED:
            throw Stop(phase: phase, outcome: .cancelled(phase: phase))
        default:
            throw Stop(phase: phase, outcome: .failed(phase: phase, message: Self.message(call.result, phase: phase)))
        }
    }

    private func checkCancelled(before phase: StepPhase) throws(Stop) {
        if cancellation.isCancelled { throw Stop(phase: phase, outcome: .cancelled(phase: phase)) }
    }

    private static func message(_ result: PluginCallResult, phase: StepPhase) -> String {
        if !result.error.isEmpty { return result.error }
        return "\(phase.rawValue) returned status \(result.status) without a message"
    }

    /// The number of entries of the plan's `changes` list, or nil when the plan is not an object
    /// with one. Read up to that member only: what follows it (the Caddy step's plan carries the
    /// whole rendered config) is the plugin's own, read by its apply, and a plan that lists its
    /// changes first costs the host no pass over the rest.
    static func changeCount(_ plan: [UInt8]) -> Int? {
        guard let changes: [JSON] = try? JSONObject.leadingMember("changes", of: plan) else { return nil }
        return changes.count
    }
}
