import Foundation
import HTTPTypes
import JSONCore
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Why agents' upgrades were just refused, by connection, for the answer that follows: a refused
/// WebSocket upgrade is answered by the HTTP channel with a bare `400 Bad Request`, which
/// ``AgentRefusalAnswer`` replaces with 401 or 429 and the reason, so the agent logs what
/// really happened.
final class AgentRefusals: Sendable {
    /// How long an untaken refusal is kept (its connection closed before the answer).
    static let keep: Duration = .seconds(30)
    /// Refusals kept at most; past it, those older than ``keep`` go.
    static let capacity = 10_000

    private struct Entry {
        var refusal: AgentAdmission.Refusal
        var at: ContinuousClock.Instant
    }
    private let table = Mutex<[ObjectIdentifier: Entry]>([:])

    func record(_ refusal: AgentAdmission.Refusal, connection: ObjectIdentifier) {
        let now = ContinuousClock.now
        table.withLock { table in
            table[connection] = Entry(refusal: refusal, at: now)
            if table.count > Self.capacity { table = table.filter { now - $0.value.at < Self.keep } }
        }
    }

    /// The refusal of `connection`'s upgrade, once.
    func take(connection: ObjectIdentifier) -> AgentAdmission.Refusal? {
        let now = ContinuousClock.now
        return table.withLock { table in
            guard let entry = table.removeValue(forKey: connection), now - entry.at < Self.keep else { return nil }
            return entry.refusal
        }
    }
}

/// Sits in every HTTP connection's pipeline; on a connection whose agent upgrade was refused, it
/// turns the channel's bare `400 Bad Request` into `401` (or `429` or `503` with `Retry-After`) with the
/// API's error body, `{"error": {"code", "message"}}`. Any other response passes untouched.
final class AgentRefusalAnswer: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let refusals: AgentRefusals
    private var refusal: AgentAdmission.Refusal?

    init(refusals: AgentRefusals) {
        self.refusals = refusals
    }

    /// Added right after the upgrade was refused: the refusal is already recorded.
    func handlerAdded(context: ChannelHandlerContext) {
        refusal = refusals.take(connection: ObjectIdentifier(context.channel))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard let refusal, case .head(let head) = unwrapOutboundIn(data), head.status == .badRequest else {
            context.write(data, promise: promise)
            return
        }
        self.refusal = nil
        let (status, code): (HTTPResponse.Status, String) =
            switch refusal {
            case .rateLimited: (.tooManyRequests, "rate_limited")
            case .busy: (.serviceUnavailable, "busy")
            case .missingToken, .unknownServer, .wrongToken: (.unauthorized, "unauthorized")
            }
        let body = JSON.object([("error", .object([("code", .string(code)), ("message", .string(refusal.description))]))]).serialized()
        var response = HTTPResponse(status: status)
        response.headerFields[.contentType] = "application/json"
        response.headerFields[.contentLength] = String(body.count)
        response.headerFields[.connection] = "close"
        if case .rateLimited(let seconds) = refusal { response.headerFields[.retryAfter] = String(seconds) }
        if case .busy(let seconds) = refusal { response.headerFields[.retryAfter] = String(seconds) }
        context.write(wrapOutboundOut(.head(response)), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: body))), promise: promise)
    }
}
