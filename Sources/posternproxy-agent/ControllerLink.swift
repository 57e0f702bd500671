import FoundationEssentials
import Host
import HTTPTypes
import Logging
import NIOSSL
import NIOWebSocket
import WSClient

/// The agent's connection to the controller (SPEC §5.3): dials the WebSocket with its token,
/// says hello, sends heartbeats and status reports, applies every desired state it receives and
/// answers with the result. When the connection fails or closes it dials again after a backoff;
/// the data plane keeps serving meanwhile.
struct ControllerLink: Sendable {
    let configuration: AgentConfiguration
    let dataPlane: DataPlane
    let logger: Logger

    /// Connects, and reconnects, until the task is cancelled.
    func run() async {
        var backoff = Backoff(maximum: .seconds(configuration.backoffMaximumSeconds))
        while !Task.isCancelled {
            let started = ContinuousClock.now
            do {
                let close = try await connectOnce()
                logger.info("controller closed the connection", metadata: ["code": "\(close.map { "\($0.closeCode)" } ?? "none")",
                                                                           "reason": "\(close?.reason ?? "")"])
            } catch {
                logger.warning("controller connection failed", metadata: ["url": "\(configuration.endpointURL)", "error": "\(error)"])
            }
            if ContinuousClock.now - started > .seconds(30) { backoff.reset() }
            try? await Task.sleep(for: backoff.nextDelay())
        }
    }

    private func connectOnce() async throws -> WebSocketCloseFrame? {
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(configuration.token)"
        let clientConfiguration = WebSocketClientConfiguration(
            maxFrameSize: AgentProtocol.maxControllerMessageBytes, additionalHeaders: headers,
            autoPing: .enabled(timePeriod: .seconds(15)))
        return try await WebSocketClient.connect(url: configuration.endpointURL, configuration: clientConfiguration,
                                                 tlsConfiguration: try tlsConfiguration(), logger: logger) { inbound, outbound, _ in
            try await converse(inbound: inbound, outbound: outbound)
        }
    }

    private func converse(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let running = await dataPlane.applied
        let probe = dataPlane.caddy
        try await send(.hello(.init(agentVersion: HostIdentity.productVersion, caddyVersion: probe?.version, caddyModules: probe?.modules ?? [],
                                    appliedRevision: running.revision, appliedHash: running.hash)), on: outbound)
        var timers: [Task<Void, Never>] = []
        defer { timers.forEach { $0.cancel() } }
        for try await message in inbound.messages(maxSize: AgentProtocol.maxControllerMessageBytes) {
            guard case .text(let text) = message else { continue }
            let decoded: ControllerMessage
            do { decoded = try ControllerMessage.decode(Array(text.utf8)) } catch {
                logger.error("controller broke the protocol", metadata: ["reason": "\(error.reason)"])
                try await outbound.close(.policyViolation, reason: String(error.reason.utf8.prefix(120)))
                return
            }
            switch decoded {
            case .welcome(let serverID, let heartbeatSeconds):
                logger.info("connected to the controller", metadata: ["server": "\(serverID)"])
                timers.forEach { $0.cancel() }
                timers = [repeating(every: .seconds(heartbeatSeconds), outbound: outbound) {
                              if let retried = await dataPlane.takeUnreported() { return .applyResult(retried) }
                              return .heartbeat(appliedRevision: await dataPlane.applied.revision)
                          },
                          repeating(every: .seconds(configuration.statusSeconds), outbound: outbound) { .status(await dataPlane.status()) }]
            case .desiredState(let state):
                if let result = await dataPlane.apply(state) { try await send(.applyResult(result), on: outbound) }
            }
        }
    }

    /// Sends what `make` builds every `interval` until cancelled (or the connection fails).
    private func repeating(every interval: Duration, outbound: WebSocketOutboundWriter,
                           _ make: @escaping @Sendable () async -> AgentMessage) -> Task<Void, Never> {
        Task {
            while !Task.isCancelled {
                do {
                    try await send(await make(), on: outbound)
                    try await Task.sleep(for: interval)
                } catch { return }
            }
        }
    }

    private func send(_ message: AgentMessage, on outbound: WebSocketOutboundWriter) async throws {
        try await outbound.writeTextMessage(String(decoding: message.encoded(), as: UTF8.self))
    }

    /// TLS for a `wss://` controller: the system's roots, or those of `POSTERNPROXY_CA_FILE`.
    private func tlsConfiguration() throws -> TLSConfiguration? {
        guard configuration.endpointURL.hasPrefix("wss://") else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let file = configuration.trustedRootsFile { tls.trustRoots = .file(file) }
        return tls
    }
}
