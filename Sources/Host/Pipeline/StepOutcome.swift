/// A phase of a pipeline step (the functions of `pp_step_v1`).
public enum StepPhase: String, Sendable, Equatable {
    case plan, apply, verify, rollback
}

/// How one step of a pipeline run ended.
public enum StepOutcome: Sendable, Equatable {
    /// The run stopped before reaching this step.
    case notRun
    /// The step said it does not apply to this target. Never counted as a success.
    case skipped(reason: String)
    /// Plan reported no changes; nothing was applied.
    case unchanged
    /// Dry run: plan reported this many changes; nothing was applied.
    case planned(changes: Int)
    /// Applied and verified this many changes.
    case applied(changes: Int)
    case failed(phase: StepPhase, message: String)
    case cancelled(phase: StepPhase)

    /// Applied, unchanged or (in a dry run) planned.
    public var isSuccess: Bool {
        switch self {
        case .unchanged, .planned, .applied: true
        case .notRun, .skipped, .failed, .cancelled: false
        }
    }
}

/// How undoing one applied step went.
public enum RollbackOutcome: Sendable, Equatable {
    case rolledBack
    /// The plugin has no rollback function.
    case unsupported
    case failed(String)
}
