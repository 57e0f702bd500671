import Glibc

/// Identifies a step within a run: its position and plugin id.
public struct StepReference: Sendable, Hashable, CustomStringConvertible {
    /// Zero-based position in the pipeline.
    public var index: Int
    public var plugin: String

    public init(index: Int, plugin: String) {
        self.index = index
        self.plugin = plugin
    }

    public var description: String { "step \(index + 1) (\(plugin))" }
}

/// What happened to one step.
public struct StepReport: Sendable, Equatable {
    public var step: StepReference
    public var outcome: StepOutcome
    /// The plan JSON, when plan ran and succeeded.
    public var plan: [UInt8]?
    /// What apply wrote (its journal, which may carry per-resource results), when apply ran.
    public var result: [UInt8]?
    /// Set when this step was applied and later rolled back (or the rollback failed).
    public var rollback: RollbackOutcome?
}

/// The result of one pipeline run.
public struct PipelineReport: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
        case succeeded
        case failed(step: StepReference, phase: StepPhase, message: String)
        case cancelled
    }

    public var pipeline: String
    public var dryRun: Bool
    public var status: Status
    public var steps: [StepReport]

    /// Steps that applied, were already right, or (dry run) planned. Skipped steps are not here.
    public var succeededSteps: [StepReport] { steps.filter { $0.outcome.isSuccess } }
    /// Steps that said they do not apply to the target.
    public var skippedSteps: [StepReport] {
        steps.filter { if case .skipped = $0.outcome { true } else { false } }
    }
    /// Plugin ids in the order their rollbacks ran.
    public var rollbackOrder: [String]
}
