import Foundation
import Host
import Logging
import ServiceLifecycle

/// The local server's ``DataPlaneWatchLoop``, as every agent runs one: a Caddy that restarted
/// empty (the supervisor restarts one that exits), was given another config or stopped answering
/// is reported at once (the health report probes and records the problem as the server's error),
/// then the desired state is applied again. No check while the local applier runs.
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
        let (state, applier) = (applier.state, applier)
        await DataPlaneWatchLoop(interval: interval, schedule: health.schedule, logger: logger, subject: "the local data plane").run(
            check: { [self] in
                guard !state.isApplying, let found = await probe(), !state.isApplying else { return nil }
                return found
            },
            note: { state.note(problem: $0) }, reapply: { applier.reapply() })
    }

    /// The check, asked of the plugin on a thread of its own (the call blocks on Caddy's admin API).
    private func probe() async -> DataPlaneCheck? {
        let (pipeline, catalog) = (pipeline, catalog)
        return await onOwnThread { DataPlaneCheck.probe(pipeline, catalog: catalog, target: LocalTarget()) }
    }
}
