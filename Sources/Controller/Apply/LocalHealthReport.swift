import Foundation
import Host
import ServiceLifecycle

/// The local server reports how its data plane is doing as an agent does: every `interval`,
/// whether Caddy answers and each upstream's request and failure counters, as the apply
/// pipeline's describing step says. The report is recorded on the local server, and the
/// browsers are told when it changed.
final class LocalHealthReport: Service {
    let store: Store
    let pipeline: PipelineDefinition
    let catalog: PluginCatalog
    let interval: Duration

    init(store: Store, pipeline: PipelineDefinition, catalog: PluginCatalog, interval: Duration) {
        self.store = store
        self.pipeline = pipeline
        self.catalog = catalog
        self.interval = interval
    }

    func run() async throws {
        // Ends with the controller: graceful shutdown cancels the loop.
        try? await cancelWhenGracefulShutdown { await self.report() }
    }

    private func report() async {
        var last: String?
        while !Task.isCancelled {
            let json = await probe()
            if json != last, let localID = try? await store.localServerID() {
                try? await store.database.write { db in try ServerRepository.recordHealth(db, id: localID, json: json) }
                store.statusFeed.announce()
                last = json
            }
            guard (try? await Task.sleep(for: interval)) != nil else { return }
        }
    }

    /// The report, asked of the plugin on a thread of its own (the call blocks on Caddy's admin API).
    private func probe() async -> String {
        let (pipeline, catalog) = (pipeline, catalog)
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let health = DataPlaneHealth.probe(pipeline, catalog: catalog, target: LocalTarget())
                continuation.resume(returning: UpstreamHealthReport.json(running: health?.running ?? false, upstreams: health?.upstreams ?? []))
            }
        }
    }
}
