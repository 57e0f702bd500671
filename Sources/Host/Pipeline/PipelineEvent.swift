/// Something that happened during a pipeline run, in order, as delivered by
/// ``PipelineRun/events`` (what a browser's terminal panel shows).
public enum PipelineEvent: Sendable, Equatable {
    /// A step entered a phase.
    case phaseStarted(StepReference, StepPhase)
    /// A progress line: reported by the plugin, or printed by a command it ran.
    case progress(StepReference, String)
    /// A log record of the plugin (and the host's notes about it, such as denied requests).
    case log(StepReference, PluginLogRecord)
    case stepFinished(StepReference, StepOutcome)
    case rolledBack(StepReference, RollbackOutcome)
    /// Always the last event.
    case finished(PipelineReport)
}
