import Foundation
import Host
import ServiceLifecycle

/// The local server reports how its data plane is doing as an agent does: whether Caddy
/// answers, each upstream's request and failure counters and how its automatic certificates are
/// doing, as the apply pipeline's describing step says, when ``schedule`` says a report is due
/// (every `interval`, sooner after a local apply and while a certificate is being obtained).
final class LocalHealthReport: Service {
    let store: Store
    let pipeline: PipelineDefinition
    let catalog: PluginCatalog
    /// The local applier expedites it after every apply.
    let schedule: StatusSchedule
    let state: LocalDataPlaneState

    init(store: Store, pipeline: PipelineDefinition, catalog: PluginCatalog, interval: Duration, state: LocalDataPlaneState) {
        self.state = state
        self.store = store
        self.pipeline = pipeline
        self.catalog = catalog
        schedule = StatusSchedule(regular: interval)
    }

    func run() async throws {
        // Ends with the controller: graceful shutdown cancels the loop.
        try? await cancelWhenGracefulShutdown { await self.report() }
    }

    private func report() async {
        guard let localID = try? await store.localServerID() else { return }
        // The local server's one report per interval is written as soon as it is recorded.
        let heard = HeardFrom()
        let recorder = HealthRecorder(serverID: localID, store: store, heard: heard)
        while !Task.isCancelled {
            let health = await DataPlaneHealth.report(probe: probe) { part in
                var part = part
                // While an apply runs, Caddy may already run the config being loaded: the watch's view stands.
                if state.isApplying { part.problem = state.knownProblem }
                try? await recorder.record(part.report)
                try? await heard.flush(to: store)
            }
            await schedule.reported(obtainingCertificates: health.obtainingCertificates)
            guard (try? await schedule.wait()) != nil else { return }
        }
    }

    /// The report, asked of the plugin on a thread of its own (the call blocks on Caddy's admin API).
    private func probe() async -> DataPlaneHealth {
        let (pipeline, catalog) = (pipeline, catalog)
        return await onOwnThread {
            DataPlaneHealth.probe(pipeline, catalog: catalog, target: LocalTarget()) ?? DataPlaneHealth(running: false, upstreams: [])
        }
    }
}
