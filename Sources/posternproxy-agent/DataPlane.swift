import JSONCore
import Host
import Logging

/// The agent's side of applying: runs each desired state through the apply pipeline, remembers
/// what runs (``AppliedState``, and the document in the ``AppliedStateFolder``), and reports on
/// Caddy. One apply at a time (an actor). Between applies it holds no desired state but one
/// that changed lately (``changingDocument``): what an apply allocated goes back to the system,
/// so an agent of 10,000 hosts idles small. While such a state changes, malloc keeps what an
/// apply freed for the next one (``ProcessMemory/keepFreedMemory(_:)``), until it has gone
/// unchanged for `POSTERNPROXY_KEEP_CHANGING_STATE_SECONDS`.
actor DataPlane {
    /// Asks the controller for a catalog plugin's bytes by SHA-256 (nil: no answer).
    typealias Fetch = @Sendable (String) async -> ControllerMessage.PluginFile?

    private let configuration: AgentConfiguration
    /// The pipeline a desired state asks for: the configured one, or the one it names with its
    /// plugins from the catalog, fetched from the controller onto the shelf (by SHA-256).
    private let choice: ApplyPipelineChoice
    private var shelf: PluginShelf { choice.shelf }
    /// The pipeline that runs: the configured one, or the one the applied state names.
    private var runner: PipelineRunner
    private var pipeline: PipelineDefinition
    /// What undoes the catalog steps the applied pipeline runs, once they are removed from it.
    private var journals: CatalogStepJournalFile
    /// How to ask the controller for a plugin file: the connection's, while there is one.
    private var fetch: Fetch?
    /// Plugin files refused for what they are (their bytes, signature or loading), by SHA-256,
    /// with the reason: said again at every retry instead of being fetched again.
    private var refusedPlugins: [String: String] = [:]
    private let logger: Logger
    /// Keeps the processes the steps ask for (socat port forwards) running.
    private let processes: ProcessSupervisor
    private(set) var applied: AppliedState
    private let folder: AppliedStateFolder
    /// What the data plane this agent drives said it is at start (`posternproxy.describe/1`):
    /// its modules shape the pipeline, and hello reports them.
    let caddy: DataPlaneFacts?
    /// A desired state whose apply failed, retried by ``reconcile()`` until it applies or a newer
    /// one arrives: the controller sends a state once, so the agent must not drop it.
    private var failed: ControllerMessage.DesiredStateMessage?
    /// The outcome of a retry, waiting for the connection to report it.
    private var unreported: AgentMessage.ApplyResult?
    /// Pipeline runs (and the watch's checks) suspend the actor; these keep them one at a time,
    /// in arrival order.
    private var running = false
    /// How many pipeline runs have begun: a health probe that ran beside one cannot tell its
    /// config being loaded from a problem.
    private var runs = 0
    /// What the watch's last check found wrong with the data plane (nil: nothing, or no check
    /// yet): what a status report says instead of its own probe's finding when an apply ran
    /// beside that probe.
    private var knownProblem: String?
    private var waiting: [CheckedContinuation<Void, Never>] = []
    /// The state that runs, kept in memory while it changes, as the Caddy step keeps its
    /// decoding (up to `POSTERNPROXY_KEEP_CHANGING_STATE_KIB`, until
    /// `POSTERNPROXY_KEEP_CHANGING_STATE_SECONDS` pass without a change); without it a patch
    /// reads the state from the state folder.
    private var changingDocument: ChangingDocument?

    init(configuration: AgentConfiguration, logger: Logger) throws {
        let catalog = try PluginCatalog.load(
            folder: configuration.pluginsDirectory,
            loader: PluginLoader(host: HostIdentity(name: "posternproxy-agent", version: HostIdentity.productVersion)))
        for refusal in catalog.refusals { logger.error("plugin refused", metadata: ["reason": "\(refusal)"]) }
        for step in configuration.applySteps where catalog.plugin(id: step) == nil {
            throw AgentConfigurationError(configuration.pluginsDirectory, "no plugin \(step) for the apply pipeline")
        }
        self.configuration = configuration
        let shelf = try PluginShelf(
            folder: configuration.stateDirectory + "/plugins",
            loader: PluginLoader(host: HostIdentity(name: "posternproxy-agent", version: HostIdentity.productVersion)))
        journals = CatalogStepJournalFile(path: configuration.stateDirectory + "/step-journals.json")
        runner = PipelineRunner(catalog: catalog)
        var settings = configuration.caddy
        let facts = DataPlaneFacts.probe(
            ApplyPipeline.definition(steps: configuration.applySteps, caddy: settings), catalog: catalog, target: LocalTarget())
        settings.modules = facts?.modules
        caddy = facts
        pipeline = ApplyPipeline.definition(steps: configuration.applySteps, caddy: settings)
        choice = ApplyPipelineChoice(bundled: catalog, shelf: shelf, caddy: settings, configured: pipeline)
        self.logger = logger
        processes = ProcessSupervisor(folder: configuration.stateDirectory + "/processes")
        folder = AppliedStateFolder(path: configuration.stateDirectory)
        applied = folder.load()
        if let document = folder.document(), let chosen = try? choice.choose(for: document) { (pipeline, runner) = (chosen.pipeline, chosen.runner) }
    }

    /// Applies a desired state from the controller. Returns nil for an older revision than the one
    /// running (never go back); skips the pipeline when the content hash is what runs.
    /// Plugins the state's pipeline names that this agent lacks are fetched first, through the
    /// connection ``link(_:)`` gave.
    func apply(_ message: ControllerMessage.DesiredStateMessage) async -> AgentMessage.ApplyResult? {
        await acquire()
        defer { release() }
        return await applyNow(message, received: "the whole state, \(message.state.count) bytes")
    }

    /// Applies a patch to the state that runs here (as kept in the state folder): what it makes
    /// is applied as the whole state would be, and the apply's result returned. When this agent
    /// does not run the patch's base, or the patch does not make the state it names (its length
    /// and SHA-256), nothing is applied and the answer asks the controller for the whole state.
    func apply(_ patch: DesiredStatePatch) async -> AgentMessage? {
        await acquire()
        defer { release() }
        if applied.hash == patch.baseHash,
            let patched = ChangingDocument.patched(by: patch, taking: &changingDocument, orStored: { folder.document() }),
            patched.digest.hex == patch.hash
        {
            let whole = ControllerMessage.DesiredStateMessage(revision: patch.revision, hash: patch.hash, state: patched.state)
            return await applyNow(whole, received: "a patch of \(patch.text.count) bytes", digest: patched.digest).map(AgentMessage.applyResult)
        }
        logger.warning(
            "a patch did not apply: asking for the whole state",
            metadata: [
                "revision": "\(patch.revision)", "base": "\(patch.baseHash.prefix(12))", "running": "\(applied.hash?.prefix(12) ?? "none")",
            ])
        return .stateRequest(revision: patch.revision)
    }

    /// How to ask the controller for plugin files from now on (nil: it cannot be asked).
    func link(_ fetch: Fetch?) { self.fetch = fetch }

    /// Fetches, verifies and stores each catalog plugin of the state's pipeline the shelf lacks,
    /// and loads each in a child process once before this process loads it.
    private func prepare(_ desired: DesiredPipeline?) async -> String? {
        guard let desired else { return nil }
        for (id, version, sha256) in desired.catalogPlugins where !shelf.holds(sha256) {
            if let reason = refusedPlugins[sha256] { return reason }
            guard let fetch else { return "plugin \(id) \(version ?? "") (\(sha256)) is not on this agent and the controller cannot be asked" }
            logger.info("fetching a plugin", metadata: ["plugin": "\(id)", "version": "\(version ?? "")", "sha256": "\(sha256)"])
            guard let file = await fetch(sha256) else { return "plugin \(id) (\(sha256)) was not received from the controller" }
            if file.error == nil, let problem = PluginIntegrity.problem(with: file, expected: sha256, signingKey: configuration.pluginSigningKey) {
                refusedPlugins[sha256] = "plugin \(id): \(problem)"
                return refusedPlugins[sha256]
            }
            if let error = file.error { return "plugin \(id): the controller did not send it: \(error)" }
            let staging = shelf.folder + "/.checking-\(sha256).so"
            do {
                try LocalFiles.replace(staging, with: file.bytes, mode: 0o600)
                defer { _ = try? LocalFiles.remove(staging) }
                if let problem = IsolatedLoadCheck.problem(loading: staging, with: ["/proc/self/exe", "--check-plugin"]) {
                    refusedPlugins[sha256] = "plugin \(id) \(version ?? "") refused: \(problem)"
                    return refusedPlugins[sha256]
                }
                try shelf.store(file.bytes, sha256: sha256)
            } catch {
                return "plugin \(id) cannot be stored: \(error)"
            }
        }
        return nil
    }

    /// Applies `message`; `received` says how it came, for the log; `digest`, when known, is
    /// its state's.
    private func applyNow(
        _ message: ControllerMessage.DesiredStateMessage, received: String, digest: ResumableDigest<SHA256Digest>? = nil
    ) async -> AgentMessage.ApplyResult? {
        guard applied.accepts(revision: message.revision) else {
            logger.warning("refused an older desired state", metadata: ["revision": "\(message.revision)", "running": "\(applied.revision)"])
            return nil
        }
        failed = nil
        if message.hash == applied.hash {
            applied.revision = message.revision
            persist(document: nil)
            return result(succeeded: true, message: nil)
        }
        func refused(_ problem: String) -> AgentMessage.ApplyResult {
            logger.error("apply refused", metadata: ["revision": "\(message.revision)", "error": "\(problem)"])
            failed = message
            return .init(revision: message.revision, hash: message.hash, succeeded: false, message: problem, resources: [:])
        }
        let desired: DesiredPipeline?
        do { desired = try ApplyPipelineChoice.desired(inState: message.state) } catch { return refused(error.description) }
        if let problem = await prepare(desired) { return refused(problem) }
        let chosen: ApplyPipelineChoice.Chosen
        do { chosen = try choice.choose(desired) } catch { return refused(error.description) }
        let clock = ContinuousClock()
        let began = clock.now
        let run: PipelineRun
        let report: PipelineReport
        do {
            run = try chosen.runner.start(chosen.pipeline, input: message.state, target: LocalTarget())
            report = await run.report()
        } catch {
            return refused("the apply pipeline cannot run: \(error)")
        }
        let ran = clock.now - began
        if let wanted = report.managedProcesses { processes.reconcile(wanted) }
        let outcomes = report.resourceOutcomes
        if let failure = report.failureMessage {
            logger.error("apply failed", metadata: ["revision": "\(message.revision)", "error": "\(failure)"])
            failed = message
            return .init(
                revision: message.revision, hash: message.hash, succeeded: false, message: failure,
                resources: AppliedState.notable(outcomes), steps: PipelineEventText.stepLines(report))
        }
        (pipeline, runner) = (chosen.pipeline, chosen.runner)
        applied = AppliedState(revision: message.revision, hash: message.hash, outcomes: outcomes)
        persist(document: message.state)
        keepChanging(message.state, digest: digest)
        let undoProblems = await settlePlugins(after: report, of: chosen.desired)
        var answer = result(succeeded: undoProblems.isEmpty, message: undoProblems.isEmpty ? nil : undoProblems.joined(separator: "; "))
        answer.steps = PipelineEventText.stepLines(report) + undoProblems
        logger.info(
            "applied",
            metadata: [
                "revision": "\(message.revision)", "received": "\(received)",
                "failed_resources": "\(outcomes.values.filter { $0.status == .failed }.count)",
                "pipeline_ms": "\(ran.millisecondsText)",
                "phases_ms":
                    "\(run.phaseDurationsText)",
            ])
        return answer
    }

    /// Keeps `document`, the state that now runs, as ``changingDocument`` when it is large
    /// enough to be sent patches and no larger than the Caddy step keeps a changing state, with
    /// its digest (taken here, after the apply, when the state came whole).
    private func keepChanging(_ document: [UInt8], digest: ResumableDigest<SHA256Digest>?) {
        guard configuration.caddy.keepChangingStateSeconds > 0, document.count >= AgentProtocol.patchableStateBytes,
            document.count <= configuration.caddy.keepChangingStateUpToKiB * 1024
        else {
            changingDocument = nil
            ProcessMemory.keepFreedMemory(false)
            return
        }
        changingDocument = ChangingDocument(document, digest: digest)
        ProcessMemory.keepFreedMemory(true)
    }

    /// Re-applies what should run (at start, and periodically): a state that failed is tried
    /// again (its result kept for ``takeUnreported()``); otherwise the running state is applied
    /// once more, so a Caddy restarted without its config or a flushed ruleset comes back. The
    /// steps skip what is already right.
    func reconcile() async {
        await acquire()
        defer { release() }
        if let changing = changingDocument, ContinuousClock.now - changing.changedAt >= .seconds(configuration.caddy.keepChangingStateSeconds) {
            changingDocument = nil
            ProcessMemory.keepFreedMemory(false)
        }
        if let retry = failed {
            unreported = await applyNow(retry, received: "a retry of a failed state")
            return
        }
        guard applied.hash != nil, let document = folder.document() else { return }
        guard let report = try? await runner.start(pipeline, input: document, target: LocalTarget()).report() else { return }
        if let wanted = report.managedProcesses { processes.reconcile(wanted) }
        if let failure = report.failureMessage { logger.warning("re-applying the running state failed", metadata: ["error": "\(failure)"]) }
    }

    private func acquire() async {
        defer { runs &+= 1 }
        guard running else {
            running = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        guard waiting.isEmpty else { return waiting.removeFirst().resume() }
        running = false
    }

    /// The result of a retried apply not yet sent to the controller, once.
    func takeUnreported() -> AgentMessage.ApplyResult? {
        defer { unreported = nil }
        return unreported
    }

    /// Records what the watch found wrong (nil: nothing).
    func note(problem: String?) {
        knownProblem = problem
    }

    /// Whether the data plane serves what was applied (one cheap question to the pipeline's
    /// describing step); nil while an apply runs (a config being loaded is not a problem) or
    /// when no step can say. The question is asked on a thread of its own (it blocks on Caddy's
    /// admin API, for up to a second when Caddy does not answer, and must hold up neither the
    /// actor nor the heartbeats that read from it), with applies held back until it is answered.
    func check() async -> DataPlaneCheck? {
        guard !running, applied.hash != nil else { return nil }
        running = true
        defer { release() }
        let (pipeline, catalog) = (pipeline, runner.catalog)
        return await onOwnThread { DataPlaneCheck.probe(pipeline, catalog: catalog, target: LocalTarget()) }
    }

    /// Whether the data plane answers, its upstreams' counters and how its automatic
    /// certificates are doing, as the pipeline's step says (`posternproxy.describe/1`, asked on a
    /// thread of its own, beside applies); not running when no step can say.
    func health() async -> DataPlaneHealth {
        let (pipeline, catalog, runs) = (pipeline, runner.catalog, runs)
        var health = await onOwnThread {
            DataPlaneHealth.probe(pipeline, catalog: catalog, target: LocalTarget(), forwardingTraffic: true)
                ?? DataPlaneHealth(running: false, upstreams: [])
        }
        // When an apply ran meanwhile, Caddy may have run the config being loaded: the watch's view stands.
        if running || self.runs != runs { health.problem = knownProblem }
        return health
    }

    /// The answer to the controller's access-log request `requestID`: read by the pipeline's
    /// describing step on a thread of its own, beside applies and reports.
    func accessLog(_ query: AccessLogQuery, requestID: Int64) async -> AccessLogAnswer {
        let (pipeline, catalog) = (pipeline, runner.catalog)
        let read = await onOwnThread { DataPlaneAccessLog.read(query, pipeline: pipeline, catalog: catalog, target: LocalTarget()) }
        switch read {
        case .success(let log): return AccessLogAnswer(requestID: requestID, lines: log.lines, found: log.found)
        case .failure(let failure): return AccessLogAnswer(requestID: requestID, lines: [], found: false, error: failure.message)
        }
    }

    private func result(succeeded: Bool, message: String?) -> AgentMessage.ApplyResult {
        .init(
            revision: applied.revision, hash: applied.hash ?? "", succeeded: succeeded, message: message,
            resources: applied.outcomes)
    }

    /// After a successful apply: keeps the journals that undo its catalog steps, rolls back the
    /// steps it no longer names, and removes plugin files no pipeline has named for the grace period.
    private func settlePlugins(after report: PipelineReport, of desired: DesiredPipeline?) async -> [String] {
        var file = self.journals
        let problems = await choice.settle(&file.journals, after: report, of: desired, target: LocalTarget())
        do { try file.save() } catch {
            logger.error("could not save the step journals", metadata: ["error": "\(error)"])
        }
        self.journals = file
        let inUse = Set(desired?.catalogPlugins.map(\.sha256) ?? []).union(file.journals.files)
        shelf.touch(inUse)
        for removed in shelf.removeUnreferenced(keeping: inUse, grace: configuration.pluginGraceSeconds) {
            logger.info("removed a plugin no pipeline names", metadata: ["sha256": "\(removed)"])
        }
        return problems
    }

    private func persist(document: [UInt8]?) {
        do { try folder.save(applied, document: document) } catch {
            logger.error("could not save the applied state", metadata: ["folder": "\(configuration.stateDirectory)", "error": "\(error)"])
        }
    }
}
