import Foundation
import Host
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOWebSocket
import NIOCore
import Synchronization

/// `GET /api/agent/ws`: where agents connect. The upgrade is refused — answered 401, or 429
/// with `Retry-After`, with the reason (``AgentRefusals``) — unless ``AgentAdmission`` lets the
/// agent in; the first message must then be hello, and every message is checked against the
/// protocol. A violation closes the connection with its reason; nothing an agent sends can stop
/// the controller.
struct AgentEndpoint: Sendable {
    /// The header an agent presents its session ticket in.
    static let ticketHeader = HTTPField.Name("X-PosternProxy-Ticket")!

    let admission: AgentAdmission
    /// Where refusals are kept for the plain answer that follows them.
    let refusals: AgentRefusals
    let hub: AgentHub
    let logger: Logger
    /// The trusted proxies now: agents that connect through one (the admin domain's Caddy, a
    /// load balancer) are told apart by the address it forwards, so they do not share one
    /// per-address limit.
    var trustedProxies: @Sendable () -> TrustedProxies = { .none }
    /// How long a new connection may take to say hello.
    var helloTimeout: Duration = .seconds(10)
    /// How long a message to an agent may wait for the agent to take it (``AgentConnection``).
    var writeTimeout: Duration = .seconds(30)
    /// How often a connected agent is sent a fresh session ticket: half a ticket's life, so the
    /// ticket it holds always readmits it.
    var ticketRenewal: Duration = .seconds(AgentTickets.lifetime / 2)

    /// The router the WebSocket upgrade consults.
    func router() -> Router<AgentSocketContext> {
        let router = Router(context: AgentSocketContext.self)
        let trustedProxies = trustedProxies
        router.ws(RouterPath(stringLiteral: AgentProtocol.path)) { request, context in
            let client = ClientAddressMiddleware.client(of: request, peer: context.clientIP, trusted: trustedProxies())
            do throws(AgentAdmission.Refusal) {
                let admitted = try await admission.admit(
                    authorization: request.headers[.authorization], ticket: request.headers[Self.ticketHeader], clientIP: client)
                context.admitted.set(admitted)
                return .upgrade([:])
            } catch {
                logger.warning("agent connection refused", metadata: ["client": "\(client)", "reason": "\(error)"])
                refusals.record(error, connection: context.connection)
                return .dontUpgrade
            }
        } onUpgrade: { inbound, outbound, context in
            guard let admitted = context.requestContext.admitted.admitted else { return }
            let connection = AgentConnection(outbound: outbound, channel: context.requestContext.channel, writeTimeout: writeTimeout)
            try await serve(admitted, inbound: inbound, connection: connection)
        }
        return router
    }

    private func serve(_ admitted: AgentAdmission.Admitted, inbound: WebSocketInboundStream, connection: AgentConnection) async throws {
        let renewal = AgentSession.TicketRenewal(every: ticketRenewal) { [admission] in
            await admission.renewedTicket(serverID: admitted.serverID, tokenHash: admitted.tokenHash)
        }
        let session = AgentSession(
            serverID: admitted.serverID, tokenHash: admitted.tokenHash, store: hub.store, heard: hub.heard, connection: connection,
            ticketRenewal: renewal, pluginFolder: hub.pluginFolder, logger: logger)
        var messages = inbound.messages(maxSize: AgentProtocol.maxAgentMessageBytes).makeAsyncIterator()
        guard let first = try await firstMessage(&messages, session: session) else { return }
        guard case .hello(let hello) = try await decode(first, session: session) else {
            await session.close(code: .policyViolation, reason: "the first message must be hello")
            return
        }
        await hub.attach(session)
        await session.start(
            with: hello,
            welcome: .init(
                serverID: admitted.serverID, heartbeatSeconds: hub.heartbeatSeconds, ticket: admitted.ticket.isEmpty ? nil : admitted.ticket,
                reconnectWindowSeconds: await hub.reconnectWindowSeconds))
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await session.followSyncRequests() }
                while let message = try await messages.next() {
                    guard let decoded = try await decode(message, session: session) else { break }
                    await session.receive(decoded)
                }
                await session.close(code: .normalClosure, reason: "closed")
            }
        } catch {
            await hub.detach(session)
            throw error
        }
        await hub.detach(session)
    }

    /// The first message, or nil when the connection closes or says nothing within
    /// ``helloTimeout`` (then it is closed with that reason).
    private func firstMessage(
        _ messages: inout WebSocketInboundMessageStream.AsyncIterator, session: AgentSession
    ) async throws -> WebSocketMessage? {
        let timeout = helloTimeout
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await Task.sleep(for: timeout)
                await session.close(code: .policyViolation, reason: "no hello within \(timeout)")
            }
            defer { group.cancelAll() }
            return try await messages.next()
        }
    }

    /// The message, or nil after closing the connection with the violation's reason.
    private func decode(_ message: WebSocketMessage, session: AgentSession) async throws -> AgentMessage? {
        guard case .text(let text) = message else {
            await session.close(code: .unacceptableData, reason: "binary messages are not part of the agent protocol")
            return nil
        }
        do {
            return try AgentMessage.decode(Array(text.utf8))
        } catch {
            logger.warning("agent broke the protocol", metadata: ["server": "\(session.serverID)", "reason": "\(error.reason)"])
            await session.close(code: .policyViolation, reason: error.reason)
            return nil
        }
    }
}

/// Request context of the agent upgrade: the peer's address and who was admitted.
struct AgentSocketContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<AgentSocketContext>
    let clientIP: String
    /// The connection, to answer a refused upgrade on it (``AgentRefusals``).
    let connection: ObjectIdentifier
    /// The connection's channel, for dropping an agent that stopped reading (``AgentConnection``).
    let channel: any Channel
    /// Set by the upgrade decision, read by the connection handler.
    let admitted: AdmittedBox

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        clientIP = source.channel.remoteAddress?.ipAddress ?? "unknown"
        connection = ObjectIdentifier(source.channel)
        channel = source.channel
        admitted = AdmittedBox()
    }
}

/// Carries the admission from the upgrade decision to the connection handler.
final class AdmittedBox: Sendable {
    private let value = Mutex<AgentAdmission.Admitted?>(nil)

    func set(_ admitted: AgentAdmission.Admitted) { value.withLock { $0 = admitted } }
    var admitted: AgentAdmission.Admitted? { value.withLock { $0 } }
}
