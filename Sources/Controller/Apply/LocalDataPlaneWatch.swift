import Foundation
import Host
import Logging
import ServiceLifecycle

/// The local server's ``DataPlaneCheck`` every `interval`, as an agent's watch does: a Caddy
/// that restarted empty (the supervisor restarts one that exits), was given another config or
/// stopped answering is reported at once (the health report probes and records the problem as
/// the server's error), then the desired state is applied again, at every look while it stays
/// wrong.
final class LocalDataPlaneWatch: Service {
    let pipeline: PipelineDefinition
    let catalog: PluginCatalog
    let applier: LocalApplier
    let health: LocalHealthReport
    let interval: Duration
    let logger: Logger

    init(pipeline: PipelineDefinition, catalog: PluginCatalog, applier: LocalApplier, health: LocalHealthReport, interval: Duration, logger: Logger) {
        self.pipeline = pipeline
        self.catalog = catalog
        self.applier = applier
        self.health = health
        self.interval = interval
        self.logger = logger
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown { await self.watch() }
    }

    private func watch() async {
        var reported: String?
        while !Task.isCancelled {
            guard (try? await Task.sleep(for: interval)) != nil else { return }
            guard !applier.state.isApplying, let check = await probe(), !applier.state.isApplying else { continue }
            applier.state.note(problem: check.problem)
            guard let problem = check.problem else {
                if reported != nil {
                    logger.info("the local data plane serves the applied state again")
                    await health.schedule.expedite(within: .zero)
                    reported = nil
                }
                continue
            }
            if problem != reported { logger.warning("the local data plane does not serve the applied state", metadata: ["problem": "\(problem)"]) }
            reported = problem
            await health.schedule.expedite(within: .zero)
            try? await Task.sleep(for: .milliseconds(600))
            applier.reapply()
        }
    }

    /// The check, asked of the plugin on a thread of its own (the call blocks on Caddy's admin API).
    private func probe() async -> DataPlaneCheck? {
        let (pipeline, catalog) = (pipeline, catalog)
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: DataPlaneCheck.probe(pipeline, catalog: catalog, target: LocalTarget())) }
        }
    }
}
