import Foundation
import Host
import Logging
import NIOWebSocket
import JSONCore

/// One connected agent: keeps it at its server's current desired state and records what it
/// reports. A full sync is sent when the revision or hash the agent runs differs from the desired
/// one; later changes send the state again, as a patch from the one sent before when the agent
/// takes patches and the state is large, else whole (bursts coalesce into one message: requests
/// made while a sync runs become one more sync, run by ``followSyncRequests()``).
actor AgentSession {
    let serverID: Int64
    /// The stored token hash the agent was admitted with; a different one revokes the session.
    let tokenHash: String
    private let store: Store
    private let connection: AgentConnection
    private let logger: Logger

    /// What the agent runs, as it last said.
    private var agentRevision: Int64 = 0
    private var agentHash: String?
    /// The last state sent, and what each recent one held (for recording its apply result).
    private(set) var sentRevision: Int64 = -1
    private var sentHash: String?
    private var sentStates: [Int64: (hash: String, resources: [ApplyRecorder.Resource], at: ContinuousClock.Instant)] = [:]
    /// Whether the agent takes ``DesiredStatePatch``es (it said so in hello).
    private var takesPatches = false
    /// The state the agent runs or will run once it has taken the messages sent (the last one
    /// sent, or found running), kept when the agent takes patches and the state is at least
    /// ``AgentProtocol/patchableStateBytes``: the next change is sent as a patch from it. Let go
    /// when the agent failed to apply it or asked for a whole state, so the next sync sends one.
    /// Its digest is kept resumable: the next state is hashed from where it differs.
    private var patchBase: HashedDocument?
    private nonisolated let syncRequests = ChangeSignal()
    /// When the agent was last heard: now while one of its messages is being handled (the next
    /// ones wait to be read meanwhile, and a write that waits for the database must not make a
    /// live agent look silent), else when the last one was handled.
    var lastHeard: ContinuousClock.Instant { handling > 0 ? .now : lastHandled }
    private var lastHandled = ContinuousClock.now
    private var handling = 0
    /// Where heartbeats are noted, for the hub to write in batches.
    private let heard: HeardFrom
    private var closed = false
    /// Messages being written now: a close frame then waits behind them for at most
    /// ``closeBehindWrites``, not the whole write timeout, so an agent that stopped reading is
    /// let go soon.
    private var writesInFlight = 0
    /// How long a close frame may wait behind a message being written (an agent that reads takes
    /// a state of several megabytes well within it) before the connection is dropped without it.
    static let closeBehindWrites: Duration = .seconds(5)
    private let health: HealthRecorder
    /// The welcome the agent was sent, and when its ticket was issued: a ticket lives 12 hours,
    /// so a connection that lasts longer is sent the welcome again with a fresh one every
    /// ``ticketRenewal`` (the agent keeps it for its next connection).
    private var welcome: ControllerMessage.Welcome?
    private var ticketIssued = ContinuousClock.now
    private let ticketRenewal: TicketRenewal?
    /// Access-log requests sent and not yet answered, by request id.
    private var accessLogWaiters: [Int64: CheckedContinuation<AccessLogAnswer, Error>] = [:]
    private var lastRequestID: Int64 = 0
    /// Where the plugin catalog's files are.
    private let pluginFolder: String

    /// How often a connected agent's ticket is renewed, and where a fresh one comes from.
    struct TicketRenewal: Sendable {
        var every: Duration
        var issue: @Sendable () async -> String?
    }

    init(
        serverID: Int64, tokenHash: String, store: Store, heard: HeardFrom, connection: AgentConnection, ticketRenewal: TicketRenewal? = nil,
        pluginFolder: String = "", logger: Logger
    ) {
        self.pluginFolder = pluginFolder
        self.ticketRenewal = ticketRenewal
        self.serverID = serverID
        self.heard = heard
        self.tokenHash = tokenHash
        self.store = store
        self.connection = connection
        self.logger = logger
        health = HealthRecorder(serverID: serverID, store: store, heard: heard)
    }

    /// Handles one message from the agent after hello.
    func receive(_ message: AgentMessage) async {
        handling += 1
        defer {
            handling -= 1
            lastHandled = .now
        }
        switch message {
        case .hello:
            await close(code: .policyViolation, reason: "hello may only be the first message")
        case .heartbeat(let revision):
            agentRevision = max(agentRevision, revision)
            heard.note(serverID)
            await renewTicketWhenDue()
        case .applyResult(let result):
            await record(result)
        case .status(let report):
            do { try await health.record(report) } catch {
                logger.error("could not record an agent's status", metadata: ["server": "\(serverID)", "error": "\(error)"])
            }
        case .accessLog(let answer):
            // An answer to nothing asked (or asked too long ago) is dropped.
            accessLogWaiters.removeValue(forKey: answer.requestID)?.resume(returning: answer)
        case .pluginRequest(let sha256):
            Task { await self.send(.plugin(await self.pluginFile(sha256))) }
        case .stateRequest(let revision):
            logger.warning("agent asked for the whole state: a patch did not apply", metadata: ["server": "\(serverID)", "revision": "\(revision)"])
            patchBase = nil
            sentHash = nil
            requestSync()
        }
    }

    /// A catalog plugin's file for this agent: only one its server's apply pipeline names.
    private func pluginFile(_ sha256: String) async -> ControllerMessage.PluginFile {
        let serverID = serverID
        let named = try? await store.database.read { db in
            try PipelineRepository.effective(db, serverID: serverID, name: "apply")?.catalogPlugins.contains { $0.sha256 == sha256 } ?? false
        }
        guard named == true else {
            return .init(sha256: sha256, bytes: [], error: "this server's pipeline names no plugin with that SHA-256")
        }
        guard let file = try? await PluginCatalogService.file(sha256: sha256, folder: pluginFolder, store: store) else {
            return .init(sha256: sha256, bytes: [], error: "the controller's catalog holds no file with that SHA-256")
        }
        logger.info("plugin sent", metadata: ["server": "\(serverID)", "sha256": "\(sha256)", "bytes": "\(file.bytes.count)"])
        return .init(sha256: sha256, bytes: file.bytes, signature: file.signature)
    }

    /// Asks the agent for a host's access log and waits up to 10 seconds for its answer.
    func accessLog(_ query: AccessLogQuery) async throws -> AccessLogAnswer {
        guard !closed else { throw DomainError.unavailable(code: "agent_offline", "the server's agent is not connected") }
        lastRequestID += 1
        let id = lastRequestID
        let timeout = Task { [weak self] in
            try await Task.sleep(for: .seconds(10))
            await self?.answerNone(id, DomainError.upstream(code: "agent_timeout", "the server's agent did not answer within 10 seconds"))
        }
        defer { timeout.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            accessLogWaiters[id] = continuation
            Task { await self.send(.accessLogRequest(requestID: id, query: query)) }
        }
    }

    private func answerNone(_ id: Int64, _ error: Error) {
        accessLogWaiters.removeValue(forKey: id)?.resume(throwing: error)
    }

    /// Records hello, welcomes the agent and sends a full sync if it runs something else.
    func start(with hello: AgentMessage.Hello, welcome: ControllerMessage.Welcome) async {
        handling += 1
        defer {
            handling -= 1
            lastHandled = .now
        }
        agentRevision = hello.appliedRevision
        agentHash = hello.appliedHash
        takesPatches = hello.takesPatches
        do {
            let (wasOffline, name) = try await store.database.write { [serverID] db in
                let before = try ServerRepository.find(db, id: serverID)
                try ServerRepository.recordHello(
                    db, id: serverID, agentVersion: hello.agentVersion, caddyVersion: hello.caddyVersion, caddyModules: hello.caddyModules,
                    appliedRevision: hello.appliedRevision)
                return (before?.status == .offline, before?.name ?? "server \(serverID)")
            }
            if wasOffline {
                store.notifications.post(.init(kind: .serverOnline, text: "Server \(name) is online: its agent connected.", server: name))
            }
        } catch {
            logger.error("could not record an agent's hello", metadata: ["server": "\(serverID)", "error": "\(error)"])
        }
        store.statusFeed.announce()
        self.welcome = welcome
        ticketIssued = .now
        await send(.welcome(welcome))
        requestSync()
    }

    /// Sends the welcome again with a fresh ticket once the last one is ``TicketRenewal/every`` old.
    private func renewTicketWhenDue() async {
        guard let ticketRenewal, var welcome, welcome.ticket != nil, ContinuousClock.now - ticketIssued >= ticketRenewal.every else { return }
        ticketIssued = .now
        guard let ticket = await ticketRenewal.issue() else { return }
        welcome.ticket = ticket
        self.welcome = welcome
        await send(.welcome(welcome))
    }

    /// Asks for a sync; returns at once.
    nonisolated func requestSync() { syncRequests.signal() }

    /// Runs the requested syncs, one at a time, until the session closes; runs beside the reading
    /// of the agent's messages, in the connection's own task.
    func followSyncRequests() async {
        for await _ in syncRequests.wakeUps {
            guard !closed else { return }
            await sync()
        }
    }

    /// Sends the server's desired state if it differs from what was last sent or what the agent
    /// runs. On the first sync of a session, an agent that runs the desired revision with the hash
    /// it last reported applied for it (as after a controller restart) costs one read, not a
    /// build of its state.
    private func sync() async {
        if sentRevision < 0, let agentHash,
            let stored = try? await store.database.read({ [serverID] db in try ServerRepository.find(db, id: serverID) }),
            stored.desiredRevision == agentRevision, stored.appliedRevision == agentRevision, stored.appliedHash == agentHash
        {
            sentRevision = agentRevision
            sentHash = agentHash
            return
        }
        let built: DesiredStateBuilder.Built
        do {
            built = try await store.database.read { [serverID, parts = store.desiredStateParts] db in
                try DesiredStateBuilder.build(db, serverID: serverID, parts: parts)
            }
        } catch {
            logger.error("could not build a desired state", metadata: ["server": "\(serverID)", "error": "\(error)"])
            return
        }
        let patchable = takesPatches && built.document.count >= AgentProtocol.patchableStateBytes
        let base = patchBase
        // Once this sync is over, the next build may write into the memory of the document it
        // no longer needs: the base it replaces, or the state itself when it keeps none.
        let released = patchable ? base?.document : built.document
        defer { if let released { store.desiredStateParts.giveBack(released) } }
        // Where the state first differs from the one sent before: hashed from there on, and
        // the patch's stretch starts there.
        let alike = base?.alike(with: built.document)
        let hash: String
        if patchable {
            let hashed = HashedDocument(built.document, base: base, alike: alike)
            hash = hashed.digest.hex
            patchBase = hashed
        } else {
            hash = built.hash()
            patchBase = nil
        }
        if built.revision == sentRevision && hash == sentHash { return }
        if built.revision == agentRevision && hash == agentHash {
            sentRevision = built.revision
            sentHash = hash
            return
        }
        sentRevision = built.revision
        sentHash = hash
        sentStates[built.revision] = (hash, built.resources, .now)
        if sentStates.count > 8, let oldest = sentStates.keys.min() { sentStates[oldest] = nil }
        if patchable, let base, let alike,
            let patch = DesiredStatePatch.between(
                base: base.document, baseHash: base.digest.hex, state: built.document, alikeUpTo: alike, revision: built.revision, hash: hash)
        {
            await send(.desiredStatePatch(patch))
        } else {
            await send(.desiredState(.init(revision: built.revision, hash: hash, state: built.document)))
        }
    }

    /// Closes the connection with `code` and `reason`; while a message is still being written
    /// (a stalled agent), at once and without a close frame, which would only wait behind it.
    func close(code: WebSocketErrorCode, reason: String) async {
        guard !closed else { return }
        markClosed()
        await connection.close(code: code, reason: reason, within: writesInFlight > 0 ? Self.closeBehindWrites : nil)
    }

    private func send(_ message: ControllerMessage) async {
        guard !closed else { return }
        writesInFlight += 1
        defer { writesInFlight -= 1 }
        do {
            try await connection.send(message.encoded())
        } catch {
            if let stalled = error as? AgentConnection.Stalled {
                logger.warning("agent stopped reading; dropped its connection", metadata: ["server": "\(serverID)", "reason": "\(stalled)"])
            }
            markClosed()
        }
    }

    /// Sends nothing more: ends the sync loop and answers every waiting request with an error.
    private func markClosed() {
        closed = true
        syncRequests.finish()
        failWaiters()
    }

    private func failWaiters() {
        for waiter in accessLogWaiters.values {
            waiter.resume(throwing: DomainError.unavailable(code: "agent_offline", "the server's agent disconnected"))
        }
        accessLogWaiters = [:]
    }

    private func record(_ result: AgentMessage.ApplyResult) async {
        // Per-resource results count only for a state this session sent with that exact hash;
        // an older revision replayed changes nothing newer (see ``ApplyRecorder``).
        let sent = sentStates[result.revision]
        let resources = sent?.hash == result.hash ? sent?.resources ?? [] : []
        if result.succeeded {
            agentRevision = max(agentRevision, result.revision)
            if result.revision == agentRevision { agentHash = result.hash }
        } else if result.revision == sentRevision {
            // The agent still runs what it ran before: the next change goes whole.
            patchBase = nil
        }
        let outcomes = result.resources
        let failure = result.succeeded ? nil : (result.message ?? "the agent could not apply the desired state")
        do {
            let name = try await store.database.write { [serverID] db in
                try ApplyRecorder.record(
                    db, serverID: serverID, revision: result.revision, hash: result.succeeded ? result.hash : nil,
                    resources: resources, outcomes: outcomes, failure: failure, steps: result.steps)
                return try ServerRepository.name(db, id: serverID)
            }
            if let failure, let name {
                store.notifications.post(
                    .init(kind: .applyFailed, text: "Applying revision \(result.revision) on \(name) failed: \(failure)", server: name))
            }
            if let sent, let name {
                ApplyMetrics.record(
                    server: name, duration: .now - sent.at, failed: !result.succeeded || outcomes.values.contains { $0.status == .failed })
            }
        } catch {
            logger.error("could not record an apply result", metadata: ["server": "\(serverID)", "error": "\(error)"])
        }
        store.statusFeed.announce()
    }
}
