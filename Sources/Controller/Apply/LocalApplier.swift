import Foundation
import GRDB
import Host
import Logging

/// Applies the local server's desired state through the apply pipeline (SPEC §1: `[caddy,
/// iptables]` by default) after every change: bursts are coalesced, one run at a time, and a
/// change made during a run starts another. Each resource's apply status is recorded from the
/// steps' `resource_results`; the server's applied revision and status follow the run.
actor LocalApplier {
    let store: Store
    let runner: PipelineRunner
    let pipeline: PipelineDefinition
    let logger: Logger
    /// How long to wait for more changes before applying.
    let debounce: Duration

    private var running = false
    private var pending = false

    init(store: Store, runner: PipelineRunner, pipeline: PipelineDefinition, logger: Logger, debounce: Duration = .milliseconds(150)) {
        self.store = store
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
            let built = try await store.database.read { db in try DesiredStateBuilder.build(db, serverID: localID) }
            let report = try await runner.start(pipeline, input: built.document, target: LocalTarget()).report()
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
        var collected: [String: [String: String]] = [:]
        for step in report.steps {
            guard let data = step.result, let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let stepResults = object["resource_results"] as? [String: [String: String]]
            else { continue }
            collected.merge(stepResults) { first, second in first["status"] == "failed" ? first : second }
        }
        let failure: String? = switch report.status {
        case .succeeded: nil
        case .failed(let step, let phase, let message): "\(step) failed in \(phase.rawValue): \(message)"
        case .cancelled: "the apply was cancelled"
        }
        if let failure { logger.error("local apply failed", metadata: ["error": "\(failure)"]) }
        let results = collected
        try await store.database.write { db in
            for (id, modifiedOn) in built.resources {
                guard let type = try String.fetchOne(db, sql: "SELECT type FROM resources WHERE id = ?", arguments: [id]) else { continue }
                let result = results["\(type)_\(id)"]
                let status = failure == nil ? (result?["status"] ?? "applied") : "failed"
                let message = failure.map { "the server could not apply: \($0)" } ?? result?["message"]
                // A resource changed since this run read it stays pending for the next run.
                try db.execute(sql: "UPDATE resources SET apply_status = ?, apply_message = ? WHERE id = ? AND modified_on <= ?",
                               arguments: [status, message, id, modifiedOn])
            }
            if failure == nil {
                try db.execute(sql: "UPDATE servers SET applied_revision = MAX(applied_revision, ?), status = 'online', last_error = NULL, last_seen = ? WHERE id = ?",
                               arguments: [built.revision, Date(), serverID])
            } else {
                try db.execute(sql: "UPDATE servers SET status = 'error', last_error = ?, last_seen = ? WHERE id = ?", arguments: [failure, Date(), serverID])
            }
        }
    }
}
