/// A pipeline that cannot start: every step is resolved before anything runs.
public struct PipelineError: Error, Sendable, CustomStringConvertible {
    public var pipeline: String
    public var step: StepReference
    public var message: String

    public var description: String { "pipeline \(pipeline), \(step): \(message)" }
}
