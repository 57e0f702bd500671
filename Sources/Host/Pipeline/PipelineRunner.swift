import Glibc
import PluginAPI

/// Runs pipelines of step plugins from a ``PluginCatalog`` against a ``Target``.
///
/// For each step in order: plan (no effects granted), then apply, then verify. The first failure
/// stops the run and rolls back, in reverse order, every step whose apply was called. Cancellation
/// is honoured between phases and by plugins that poll `is_cancelled`. A dry run only plans.
public struct PipelineRunner: Sendable {
    public var catalog: PluginCatalog

    public init(catalog: PluginCatalog) {
        self.catalog = catalog
    }

    /// Resolves every step, then starts the run on a thread of its own (plugin calls block).
    /// Throws before anything runs when a step names an unknown plugin or one that is not a step.
    public func start(_ pipeline: PipelineDefinition, input: [UInt8], target: any Target, dryRun: Bool = false)
        throws(PipelineError) -> PipelineRun
    {
        let steps = try resolve(pipeline)
        return PipelineRun { cancellation, emit in
            PipelineExecution(
                pipeline: pipeline.name, steps: steps, input: input, target: target,
                dryRun: dryRun, cancellation: cancellation, emit: emit
            ).run()
        }
    }

    /// Undoes a step its pipeline no longer names: calls its rollback with the journal its apply
    /// wrote (cut back to whole records), on a thread of its own. `pipeline` names the pipeline
    /// the step belonged to (its config is checked as that pipeline's was).
    public func rollBack(_ step: PipelineDefinition.Step, pipeline: String, journal: [UInt8], target: any Target) async throws(PipelineError)
        -> RollbackOutcome
    {
        let resolved = try resolve(PipelineDefinition(name: pipeline, steps: [step]))
        let execution = PipelineExecution(
            pipeline: pipeline, steps: resolved, input: [], target: target, dryRun: false, cancellation: CancellationFlag(), emit: { _ in })
        return await onOwnThread { execution.rollBackRemoved(journal: journal) }
    }

    private func resolve(_ pipeline: PipelineDefinition) throws(PipelineError) -> [ResolvedStep] {
        var resolved: [ResolvedStep] = []
        for (index, step) in pipeline.steps.enumerated() {
            let reference = StepReference(index: index, plugin: step.plugin)
            func refuse(_ message: String) -> PipelineError {
                PipelineError(pipeline: pipeline.name, step: reference, message: message)
            }
            guard let plugin = catalog.plugin(id: step.plugin) else {
                throw refuse(catalog.absence(of: step.plugin))
            }
            let config: [UInt8]
            let hostSettings = pipeline.name == "apply" ? ApplyPipeline.hostSettingNames : []
            do { config = try plugin.checkedConfig(step.config, hostSettings: hostSettings) } catch { throw refuse(error.description) }
            if let table = plugin.interface(PP_INTERFACE_STEP, as: pp_step_v1.self), let plan = table.pointee.plan, let apply = table.pointee.apply {
                resolved.append(
                    ResolvedStep(
                        reference: reference, config: config, plan: .plugin(plan), apply: .plugin(apply),
                        verify: table.pointee.verify.map(StepFunction.plugin), rollback: table.pointee.rollback.map(StepFunction.plugin)))
            } else if let table = plugin.interface(PP_INTERFACE_PROFILE, as: pp_profile_v1.self), let actions = table.pointee.actions {
                // A profile runs as a step the host executes: see ProfileStep.
                let profile = ProfileStep(actions: actions)
                resolved.append(
                    ResolvedStep(
                        reference: reference, config: config, plan: .native(profile.plan), apply: .native(profile.apply),
                        verify: nil, rollback: .native(profile.rollback)))
            } else {
                throw refuse("\(plugin.file) provides neither \(PP_INTERFACE_STEP) with plan and apply nor \(PP_INTERFACE_PROFILE)")
            }
        }
        return resolved
    }
}

/// A step with its functions looked up.
struct ResolvedStep: @unchecked Sendable {  // function pointers into a never-unloaded library
    var reference: StepReference
    var config: [UInt8]
    var plan: StepFunction
    var apply: StepFunction
    var verify: StepFunction?
    var rollback: StepFunction?
}

/// One phase of a step: a plugin's C function, or the host's own code (profiles).
enum StepFunction {
    case plugin(PluginFunction)
    case native((_ config: [UInt8], _ input: [UInt8], _ services: HostServices) -> PluginCallResult)
}
