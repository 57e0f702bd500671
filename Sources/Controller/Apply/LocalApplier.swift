import Foundation
import GRDB
import Host
import Logging

/// Applies the local server's desired state through the apply pipeline (`[caddy,
/// iptables]` by default) after every change: bursts are coalesced, one run at a time, and a
/// change made during a run starts another. Each resource's apply status is recorded from the
/// steps' `resource_results`; the server's applied revision and status follow the run.
actor LocalApplier {
    let store: Store
    let runner: PipelineRunner
    let pipeline: PipelineDefinition
    let logger: Logger
    /// Keeps the processes the steps ask for (socat port forwards) running.
    let processes: ProcessSupervisor
    /// How long to wait for more changes before applying.
    let debounce: Duration
    /// Where this server's Caddy reaches the controller, for the `admin_domain` site.
    let adminUpstream: (host: String, port: Int)?

    private var running = false
    private var pending = false

    init(
        store: Store, runner: PipelineRunner, pipeline: PipelineDefinition, processes: ProcessSupervisor, logger: Logger,
        debounce: Duration = .milliseconds(150), adminUpstream: (host: String, port: Int)? = nil
    ) {
        self.adminUpstream = adminUpstream
        self.store = store
        self.processes = processes
        self.runner = runner
        self.pipeline = pipeline
        self.logger = logger
        self.debounce = debounce
    }

    /// Asks for an apply soon; returns at once.
    nonisolated func schedule() {
        Task { await self.request() }
    }

    private func request() async {
        pending = true
        guard !running else { return }
        running = true
        while pending {
            pending = false
            try? await Task.sleep(for: debounce)
            await applyOnce()
        }
        running = false
    }

    private func applyOnce() async {
        do {
            let localID = try await store.localServerID()
            let adminUpstream = adminUpstream
            let built = try await store.database.read { db in try DesiredStateBuilder.build(db, serverID: localID, adminUpstream: adminUpstream) }
            let report = try await runner.start(pipeline, input: built.document, target: LocalTarget()).report()
            if let wanted = report.managedProcesses { processes.reconcile(wanted) }
            try await record(report, built: built, serverID: localID)
        } catch {
            logger.error("local apply could not run", metadata: ["error": "\(error)"])
            try? await store.database.write { db in
                try db.execute(sql: "UPDATE servers SET status = 'error', last_error = ? WHERE is_local = 1", arguments: ["\(error)"])
            }
        }
    }

    /// Writes what the run did: per resource, and for the server.
    private func record(_ report: PipelineReport, built: DesiredStateBuilder.Built, serverID: Int64) async throws {
        let outcomes = report.resourceOutcomes
        let failure = report.failureMessage
        if let failure { logger.error("local apply failed", metadata: ["error": "\(failure)"]) }
        try await store.database.write { db in
            try ApplyRecorder.record(
                db, serverID: serverID, revision: built.revision, hash: built.hash, resources: built.resources,
                outcomes: outcomes.mapValues { ($0.status, $0.message) }, failure: failure)
        }
    }
}
