import Foundation
import Host
import Logging
import ServiceLifecycle
import Synchronization

/// Applies the local server's desired state through the apply pipeline (`[caddy,
/// iptables]` by default) after every change: the first change applies at once, changes made
/// during a run are applied together by the next one, and one run happens at a time. Each
/// resource's apply status is recorded from the steps' `resource_results`; the server's applied
/// revision and status follow the run. A change that leaves the local server's desired revision
/// where the last successful run left it (a remote server's change) runs nothing.
///
/// A service of the controller: on graceful shutdown the run in progress finishes and is
/// recorded, and no new one starts (the next start applies whatever is left).
final class LocalApplier: Service {
    let store: Store
    let runner: PipelineRunner
    let pipeline: PipelineDefinition
    let logger: Logger
    /// Keeps the processes the steps ask for (socat port forwards) running.
    let processes: ProcessSupervisor
    /// Keeps the Caddy this controller started running; nil when it was given a running one.
    let caddy: ProcessSupervisor?
    /// Where this server's Caddy reaches the controller, for the `admin_domain` site.
    let adminUpstream: (host: String, port: Int)?
    /// Told after every apply, so the data plane's health (a new host's certificate) is
    /// reported soon.
    let statusSchedule: StatusSchedule?
    /// Whether an apply runs, for the health report and the watch.
    let state: LocalDataPlaneState

    /// What lets the local server run a pipeline its desired state names: its plugins from the
    /// catalog's files (the controller checked each out of process when it was uploaded), and
    /// where the journals that undo removed steps are kept. Nil: the configured pipeline always runs.
    struct CatalogPipelines: Sendable {
        var choice: ApplyPipelineChoice
        var journalsPath: String
    }
    let catalogPipelines: CatalogPipelines?
    /// Read from their file at the first settle.
    private let journals = Mutex<CatalogStepJournalFile?>(nil)

    private let changes = ChangeSignal()
    /// The local server's id, once a run has read it.
    private let localServerID = Mutex<Int64?>(nil)
    /// The desired revision the last run applied without failing; nil before the first.
    private let appliedRevision = Mutex<Int64?>(nil)
    /// The document the last run applied (or tried to), with its digest: the next run's digest
    /// reads only from where its document first differs. Kept as the base of the next digest,
    /// it is the one document the applier holds between runs; the one it replaces goes back to
    /// the builder, whose next document is written into that memory.
    private let lastDocument = Mutex<HashedDocument?>(nil)

    init(
        store: Store, runner: PipelineRunner, pipeline: PipelineDefinition, processes: ProcessSupervisor, caddy: ProcessSupervisor? = nil,
        logger: Logger, adminUpstream: (host: String, port: Int)? = nil, statusSchedule: StatusSchedule? = nil,
        state: LocalDataPlaneState = LocalDataPlaneState(), catalogPipelines: CatalogPipelines? = nil
    ) {
        self.catalogPipelines = catalogPipelines
        self.state = state
        self.statusSchedule = statusSchedule
        self.caddy = caddy
        self.adminUpstream = adminUpstream
        self.store = store
        self.processes = processes
        self.runner = runner
        self.pipeline = pipeline
        self.logger = logger
    }

    /// Asks for an apply: at once when none runs, else right after the one running.
    func schedule() { changes.signal() }

    /// Asks for the desired state to be applied again even though it was (the data plane lost it).
    func reapply() {
        appliedRevision.withLock { $0 = nil }
        changes.signal()
    }

    func run() async {
        await changes.follow { await applyOnce() }
    }

    private func applyOnce() async {
        state.setApplying(true)
        defer { state.setApplying(false) }
        do {
            let clock = ContinuousClock()
            let began = clock.now
            let applied = appliedRevision.withLock { $0 }
            let adminUpstream = adminUpstream
            let parts = store.desiredStateParts
            // One read: the server, whether its desired revision is applied already, and if not its state.
            let readState: @Sendable (any SQLConnection) throws -> (localID: Int64, name: String, built: DesiredStateBuilder.Built)? = { db in
                let localID = try ServerRepository.localID(db)
                if try ServerRepository.desiredRevision(db, id: localID) == applied { return nil }
                let built = try DesiredStateBuilder.build(db, serverID: localID, adminUpstream: adminUpstream, parts: parts)
                return (localID, try ServerRepository.name(db, id: localID) ?? "local", built)
            }
            // A build that patches the parts kept from the last one (about a millisecond for a
            // change at 1,000 hosts) is read on this thread: the hop to a reader's thread and back
            // cost about half as much again. The first build reads everything, on a reader's thread.
            let patches = localServerID.withLock { $0 }.map(parts.holdsParts(of:)) ?? false
            let read = patches ? try store.database.readOnThisThread(readState) : try await store.database.read(readState)
            guard let read else { return }
            let (localID, name, built) = (read.localID, read.name, read.built)
            localServerID.withLock { $0 = localID }
            // Once this apply is over, the next build may write into the memory of the document
            // it no longer needs: this one, or once it is kept, the one it replaces.
            var released: [UInt8]? = built.document
            defer { if let released { parts.giveBack(released) } }
            let builtAt = clock.now
            let (pipeline, runner, desired) = try choosePipeline(built.pipeline)
            let run = try runner.start(pipeline, input: built.document, target: LocalTarget())
            let report = await run.report()
            let ranAt = clock.now
            if let wanted = report.managedProcesses { processes.reconcile(wanted) }
            // Read once: for 10,000 resources it is a dictionary of 10,000 outcomes.
            let outcomes = report.resourceOutcomes
            if report.failureMessage == nil, let problems = await settleCatalogSteps(after: report, of: desired), !problems.isEmpty {
                logger.error("removed pipeline steps were not all rolled back", metadata: ["problems": "\(problems.joined(separator: "; "))"])
            }
            // Hashed once the data plane has the state, from where it differs from the last one.
            let base = lastDocument.withLock { $0.take() }
            let hashed = HashedDocument(built.document, base: base, alike: base?.alike(with: built.document))
            lastDocument.withLock { $0 = hashed }
            released = base?.document
            try await record(report, outcomes: outcomes, built: built, hash: hashed.digest.hex, serverID: localID)
            appliedRevision.withLock { $0 = report.failureMessage == nil ? built.revision : nil }
            if let failure = report.failureMessage {
                store.notifications.post(
                    .init(kind: .applyFailed, text: "Applying revision \(built.revision) on \(name) failed: \(failure)", server: name))
            }
            ApplyMetrics.record(
                server: name, duration: ranAt - builtAt,
                failed: report.failureMessage != nil || outcomes.values.contains { $0.status == .failed })
            store.statusFeed.announce()
            await statusSchedule?.expedite()
            logger.info(
                "local apply",
                metadata: [
                    "revision": "\(built.revision)", "resources": "\(built.resources.count)",
                    "build_ms": "\((builtAt - began).millisecondsText)", "pipeline_ms": "\((ranAt - builtAt).millisecondsText)",
                    "record_ms": "\((clock.now - ranAt).millisecondsText)",
                    "phases_ms":
                        "\(run.phaseDurationsText)",
                ])
        } catch {
            logger.error("local apply could not run", metadata: ["error": "\(error)"])
            try? await store.database.write { db in try ServerRepository.recordLocalFailure(db, message: "\(error)") }
            store.statusFeed.announce()
        }
    }

    /// The pipeline the desired state names (its catalog plugins from the shelf), or the configured one.
    private func choosePipeline(_ desired: DesiredPipeline?) throws -> (PipelineDefinition, PipelineRunner, DesiredPipeline?) {
        guard let catalogPipelines else { return (pipeline, runner, nil) }
        let chosen = try catalogPipelines.choice.choose(desired)
        return (chosen.pipeline, chosen.runner, chosen.desired)
    }

    /// After a successful apply: keeps the journals that undo its catalog steps and rolls back
    /// the steps it no longer names; returns what could not be undone (nil: nothing to do).
    private func settleCatalogSteps(after report: PipelineReport, of desired: DesiredPipeline?) async -> [String]? {
        guard let catalogPipelines else { return nil }
        var file = self.journals.withLock { $0 } ?? CatalogStepJournalFile(path: catalogPipelines.journalsPath)
        let problems = await catalogPipelines.choice.settle(&file.journals, after: report, of: desired, target: LocalTarget())
        do { try file.save() } catch {
            logger.error("could not save the step journals", metadata: ["error": "\(error)"])
        }
        self.journals.withLock { [file] in $0 = file }
        return problems
    }

    /// Writes what the run did: per resource, and for the server.
    private func record(
        _ report: PipelineReport, outcomes: [String: ResourceOutcome], built: DesiredStateBuilder.Built, hash: String, serverID: Int64
    ) async throws {
        let failure = report.failureMessage
        if let failure { logger.error("local apply failed", metadata: ["error": "\(failure)"]) }
        try await store.database.write { db in
            try ApplyRecorder.record(
                db, serverID: serverID, revision: built.revision, hash: hash, resources: built.resources,
                outcomes: outcomes, failure: failure, steps: PipelineEventText.stepLines(report))
        }
    }
}
