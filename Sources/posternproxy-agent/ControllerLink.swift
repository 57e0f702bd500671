import Host
import Logging
import NIOCore
import NIOSSL
import Synchronization

/// The agent's connection to the controller: dials the WebSocket with its token,
/// says hello, sends heartbeats and status reports (on a ``StatusSchedule``: sooner after a
/// change and while a certificate is being obtained), applies every desired state it receives
/// and answers with the result. When the connection fails or closes it dials again after a backoff;
/// the data plane keeps serving meanwhile.
struct ControllerLink: Sendable {
    let configuration: AgentConfiguration
    let dataPlane: DataPlane
    /// When the next status report is due (a ``DataPlaneWatch`` that finds a problem asks for one at once).
    let schedule: StatusSchedule
    let logger: Logger
    /// What the last welcome said: the ticket presented at the next connection, and the window
    /// reconnections are spread over.
    private let session = SessionFacts()

    init(configuration: AgentConfiguration, dataPlane: DataPlane, schedule: StatusSchedule, logger: Logger) {
        self.configuration = configuration
        self.dataPlane = dataPlane
        self.schedule = schedule
        self.logger = logger
    }

    /// Connects, and reconnects, until the task is cancelled.
    func run() async {
        var backoff = Backoff(maximum: .seconds(configuration.backoffMaximumSeconds))
        while !Task.isCancelled {
            let started = ContinuousClock.now
            var retryAfter: Duration = .zero
            var controllerWentAway = false
            session.connecting()
            do {
                let close = try await connectOnce()
                logger.info(
                    "controller closed the connection",
                    metadata: [
                        "code": "\(close?.code.map { "\($0)" } ?? "none")",
                        "reason": "\(close?.reason ?? "")",
                    ])
                controllerWentAway = close?.code == nil || close?.code == .goingAway
            } catch let refusal as ControllerRefusal {
                logger.warning("controller refused the connection", metadata: ["url": "\(configuration.endpointURL)", "reason": "\(refusal)"])
                // A refused ticket is not presented again; the token alone decides next time.
                if refusal.status == 401 { session.forgetTicket() }
                retryAfter = .seconds(refusal.retryAfter ?? 0)
            } catch {
                logger.warning("controller connection failed", metadata: ["url": "\(configuration.endpointURL)", "error": "\(error)"])
                controllerWentAway = true
            }
            if ContinuousClock.now - started > .seconds(30) { backoff.reset() }
            // A controller that went away (restarting, or gone) after welcoming this agent is
            // met again at a random moment of the window it gave, not with every agent at once.
            if controllerWentAway, let window = session.reconnectWindowAfterWelcome() {
                backoff.reset()
                try? await Task.sleep(for: .milliseconds(Int.random(in: 0...max(0, window) * 1000)))
                continue
            }
            try? await Task.sleep(for: max(backoff.nextDelay(), retryAfter))
        }
    }

    private func connectOnce() async throws -> ControllerSocket.Closed? {
        let socket = try await ControllerSocket.connect(
            to: configuration.endpointURL, token: configuration.token, ticket: session.ticket, tls: try tlsConfiguration())
        return try await socket.converse { messages, writer in try await converse(messages: messages, writer: writer) }
    }

    private func converse(messages: AsyncStream<ByteBuffer>, writer: ControllerSocket.Writer) async throws {
        let running = await dataPlane.applied
        let probe = dataPlane.caddy
        try await send(
            .hello(
                .init(
                    agentVersion: HostIdentity.productVersion, caddyVersion: probe?.version, caddyModules: probe?.modules ?? [],
                    appliedRevision: running.revision, appliedHash: running.hash, takesPatches: true)), on: writer)
        var timers: [Task<Void, Never>] = []
        var lastHeartbeatSeconds: Int?
        // Desired states are applied one after another beside the read loop, which goes on
        // reading: an apply may wait for the plugin files it asked for.
        let requests = PluginRequests()
        await dataPlane.link { sha256 in await requests.fetch(sha256) { try await send(.pluginRequest(sha256: sha256), on: writer) } }
        let (states, arriving) = AsyncStream.makeStream(of: ControllerMessage.self)
        let applying = Task {
            for await message in states {
                switch message {
                case .desiredState(let state):
                    if let result = await dataPlane.apply(state) { try? await send(.applyResult(result), on: writer) }
                case .desiredStatePatch(let patch):
                    if let answer = await dataPlane.apply(patch) { try? await send(answer, on: writer) }
                default:
                    continue
                }
                await schedule.expedite()
            }
        }
        defer {
            timers.forEach { $0.cancel() }
            arriving.finish()
            requests.abandonAll()
            applying.cancel()
        }
        for await frame in messages {
            let decoded: ControllerMessage
            do { decoded = try ControllerMessage.decode(frame.readableBytesView) } catch {
                logger.error("controller broke the protocol", metadata: ["reason": "\(error.reason)"])
                try await writer.close(.policyViolation, reason: error.reason)
                return
            }
            switch decoded {
            case .welcome(let welcome):
                let heartbeatSeconds = welcome.heartbeatSeconds
                // A connection that lasts is welcomed again now and then, with a fresh ticket.
                if session.welcomed(welcome) == .renewed, heartbeatSeconds == lastHeartbeatSeconds {
                    logger.debug("session ticket renewed")
                    continue
                }
                lastHeartbeatSeconds = heartbeatSeconds
                logger.info("connected to the controller", metadata: ["server": "\(welcome.serverID)"])
                timers.forEach { $0.cancel() }
                timers = [
                    repeating(every: .seconds(heartbeatSeconds), on: writer) {
                        if let retried = await dataPlane.takeUnreported() { return .applyResult(retried) }
                        return .heartbeat(appliedRevision: await dataPlane.applied.revision)
                    },
                    reportingStatus(on: schedule, writer: writer),
                ]
            case .desiredState, .desiredStatePatch:
                // In the order they came: a patch applies to the state before it.
                arriving.yield(decoded)
            case .plugin(let file):
                requests.deliver(file)
            case .accessLogRequest(let requestID, let query):
                // Answered beside whatever else runs; a lost connection drops the answer.
                Task { try? await send(.accessLog(await dataPlane.accessLog(query, requestID: requestID)), on: writer) }
            }
        }
    }

    /// Sends what `make` builds every `interval` until cancelled (or the connection fails).
    private func repeating(
        every interval: Duration, on writer: ControllerSocket.Writer,
        _ make: @escaping @Sendable () async -> AgentMessage
    ) -> Task<Void, Never> {
        Task {
            while !Task.isCancelled {
                do {
                    try await send(await make(), on: writer)
                    try await Task.sleep(for: interval)
                } catch { return }
            }
        }
    }

    /// Sends the data plane's health whenever `schedule` says it is due, until cancelled.
    private func reportingStatus(on schedule: StatusSchedule, writer: ControllerSocket.Writer) -> Task<Void, Never> {
        Task {
            var lastProblem: String?
            while !Task.isCancelled {
                do {
                    let health = try await DataPlaneHealth.report(probe: { await dataPlane.health() }) { part in
                        try await send(.status(part.report), on: writer)
                    }
                    if health.problem != lastProblem {
                        logger.info("status reported", metadata: ["problem": "\(health.problem ?? "none")"])
                        lastProblem = health.problem
                    }
                    await schedule.reported(obtainingCertificates: health.obtainingCertificates)
                    try await schedule.wait()
                } catch { return }
            }
        }
    }

    private func send(_ message: AgentMessage, on writer: ControllerSocket.Writer) async throws {
        try await writer.send(utf8: message.encoded())
    }

    /// TLS for a `wss://` controller: the system's roots, or those of `POSTERNPROXY_CA_FILE`.
    private func tlsConfiguration() throws -> TLSConfiguration? {
        guard configuration.endpointURL.hasPrefix("wss://") else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let file = configuration.trustedRootsFile { tls.trustRoots = .file(file) }
        return tls
    }
}

/// What the controller's last welcome said, kept across connections: its session ticket (nil
/// until one, or after it was refused), its reconnect window, and whether the connection in
/// progress was welcomed.
private final class SessionFacts: Sendable {
    private struct Facts {
        var ticket: String?
        var reconnectWindowSeconds = 2
        var welcomedThisConnection = false
    }
    private let facts = Mutex(Facts())

    var ticket: String? { facts.withLock { $0.ticket } }

    func connecting() { facts.withLock { $0.welcomedThisConnection = false } }

    enum Welcome { case first, renewed }

    /// Keeps what `welcome` says; `.renewed` when this connection had been welcomed already.
    func welcomed(_ welcome: ControllerMessage.Welcome) -> Welcome {
        facts.withLock { facts in
            if let ticket = welcome.ticket { facts.ticket = ticket }
            if let window = welcome.reconnectWindowSeconds { facts.reconnectWindowSeconds = window }
            defer { facts.welcomedThisConnection = true }
            return facts.welcomedThisConnection ? .renewed : .first
        }
    }

    func forgetTicket() { facts.withLock { $0.ticket = nil } }

    /// The window to spread the next connection over, when this connection had been welcomed.
    func reconnectWindowAfterWelcome() -> Int? {
        facts.withLock { $0.welcomedThisConnection ? $0.reconnectWindowSeconds : nil }
    }
}
