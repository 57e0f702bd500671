import Host
import JSONCore
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import Synchronization

/// The agent's WebSocket to the controller, on SwiftNIO's own HTTP upgrade and frame codecs:
/// TLS for `wss://`, the token in the upgrade request, fragmented messages put back together,
/// pings answered, and a ping of its own every ``pingInterval`` so a dead link is noticed.
struct ControllerSocket {
    /// How often the agent pings, and how long the link may stay silent before it is dropped.
    static let pingInterval: Duration = .seconds(15)

    /// One connection needs one event loop, however many cores the server has (each loop is a
    /// thread with its own stack and malloc arena).
    private static let eventLoop = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// Why the conversation ended, as the controller's close frame said.
    struct Closed: Sendable {
        var code: WebSocketErrorCode?
        var reason: String
    }

    /// The connection's frames, opened by ``connect(to:token:tls:)``.
    let channel: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>

    /// Dials `url` (`ws://` or `wss://`) and upgrades to a WebSocket, sending `token` as a bearer
    /// credential and `ticket` (when the controller gave one) in `X-PosternProxy-Ticket`. A
    /// refused upgrade throws a ``ControllerRefusal`` with the controller's status and reason.
    static func connect(to url: String, token: String, ticket: String?, tls: TLSConfiguration?) async throws -> ControllerSocket {
        guard let endpoint = WebSocketEndpoint(url) else { throw ControllerSocketError("\(url) is not a WebSocket URL") }
        let host = endpoint.host
        let port = endpoint.port ?? (tls == nil ? 80 : 443)
        let sslContext = try tls.map(NIOSSLContext.init)
        let path = endpoint.path
        var headers = HTTPHeaders([
            ("Host", endpoint.port == nil ? host : "\(host):\(port)"), ("Authorization", "Bearer \(token)"),
            ("Content-Length", "0"),
        ])
        if let ticket { headers.add(name: "X-PosternProxy-Ticket", value: ticket) }
        let maxSize = AgentProtocol.maxControllerMessageBytes

        let upgrade: EventLoopFuture<Upgrade> = try await ClientBootstrap(group: eventLoop)
            .connectTimeout(.seconds(10))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        // A name is checked against the certificate; an address cannot be sent as SNI.
                        let name = host.contains(":") || host.allSatisfy({ $0.isNumber || $0 == "." }) ? nil : host
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: sslContext, serverHostname: name))
                    }
                    let upgrader = NIOTypedWebSocketClientUpgrader<Upgrade>(maxFrameSize: maxSize) { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(
                                NIOWebSocketFrameAggregator(
                                    minNonFinalFragmentSize: 1, maxAccumulatedFrameCount: 4096, maxAccumulatedFrameSize: maxSize))
                            return .upgraded(try NIOAsyncChannel(wrappingChannelSynchronously: channel))
                        }
                    }
                    let configuration = NIOTypedHTTPClientUpgradeConfiguration<Upgrade>(
                        upgradeRequestHead: HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers),
                        upgraders: [upgrader],
                        notUpgradingCompletionHandler: { channel in
                            // The answer's head and body follow once this returns: a reader waits for them.
                            channel.eventLoop.makeCompletedFuture {
                                let reader = RefusalReader(promise: channel.eventLoop.makePromise())
                                try channel.pipeline.syncOperations.addHandler(reader)
                                return .refused(reader.promise.futureResult)
                            }
                        })
                    return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(
                        configuration: .init(upgradeConfiguration: configuration))
                }
            }
        switch try await upgrade.get() {
        case .upgraded(let channel): return ControllerSocket(channel: channel)
        case .refused(let answer):
            throw (try? await answer.get()) ?? ControllerRefusal(status: 0, retryAfter: nil, reason: "no answer to the upgrade")
        }
    }

    private enum Upgrade: Sendable {
        case upgraded(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>)
        case refused(EventLoopFuture<ControllerRefusal>)
    }

    /// Runs `body` with the text messages the controller sends and a writer for the agent's;
    /// returns how the controller closed the connection (nil when it just ended).
    func converse(_ body: (AsyncStream<ByteBuffer>, Writer) async throws -> Void) async throws -> Closed? {
        try await channel.executeThenClose { inbound, outbound in
            let writer = Writer(outbound: outbound)
            let (messages, deliver) = AsyncStream.makeStream(of: ByteBuffer.self)
            let lastHeard = LastHeard()
            let keepalive = Task { await keepAlive(writer, lastHeard) }
            defer { keepalive.cancel() }
            // Frames are read beside the conversation, which may wait on an apply meanwhile.
            let reader = Task { () throws -> Closed? in
                defer { deliver.finish() }
                for try await frame in inbound {
                    lastHeard.now()
                    switch frame.opcode {
                    // Passed on as bytes: the message's JSON is checked as it is read.
                    case .text: deliver.yield(frame.unmaskedData)
                    case .ping: try await writer.send(.pong, frame.unmaskedData)
                    case .connectionClose:
                        var data = frame.unmaskedData
                        let code = data.readWebSocketErrorCode()
                        try? await writer.send(.connectionClose, frame.unmaskedData)
                        return Closed(code: code, reason: data.readString(length: data.readableBytes) ?? "")
                    default: continue  // pongs; binary frames are not part of the protocol
                    }
                }
                return nil
            }
            do {
                try await body(messages, writer)
            } catch {
                reader.cancel()
                throw error
            }
            return try await reader.value
        }
    }

    /// Pings every ``pingInterval``; closes the connection when nothing came back for two.
    private func keepAlive(_ writer: Writer, _ lastHeard: LastHeard) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: Self.pingInterval)
            if lastHeard.silence > Self.pingInterval * 2 {
                channel.channel.close(promise: nil)
                return
            }
            try? await writer.send(.ping, ByteBuffer())
        }
    }

    /// Writes the agent's frames, masked as a client's must be.
    struct Writer: Sendable {
        let outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>

        /// Sends `utf8`, UTF-8 text such as an encoded message, as one text frame, without
        /// making a `String` of it first (a status report of 10,000 hosts is over a megabyte).
        func send(utf8: [UInt8]) async throws {
            try await send(.text, ByteBuffer(bytes: utf8))
        }

        /// Closes with `code` and a short `reason`.
        func close(_ code: WebSocketErrorCode, reason: String) async throws {
            var data = ByteBuffer()
            data.write(webSocketErrorCode: code)
            data.writeString(String(decoding: reason.utf8.prefix(120), as: UTF8.self))
            try await send(.connectionClose, data)
        }

        fileprivate func send(_ opcode: WebSocketOpcode, _ data: ByteBuffer) async throws {
            try await outbound.write(WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: data))
        }
    }
}

/// When the controller was last heard from.
private final class LastHeard: Sendable {
    private let instant = Mutex(ContinuousClock.now)

    func now() { instant.withLock { $0 = .now } }
    var silence: Duration { ContinuousClock.now - instant.withLock { $0 } }
}

/// The WebSocket to the controller could not be opened.
struct ControllerSocketError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The controller answered the upgrade with something other than a WebSocket: its status (401
/// for a refused token, 429 for too many attempts), the `Retry-After` it asked for, and the
/// reason its answer gave (`error.message`).
struct ControllerRefusal: Error, CustomStringConvertible {
    var status: Int
    var retryAfter: Int?
    var reason: String

    var description: String {
        let after = retryAfter.map { "; retry after \($0) s" } ?? ""
        return status == 0 ? reason : "the controller refused the connection (HTTP \(status)): \(reason)\(after)"
    }
}

/// Reads the answer to a refused upgrade (head and up to 4 KiB of body) and completes with the
/// refusal; closes the connection after it.
private final class RefusalReader: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    let promise: EventLoopPromise<ControllerRefusal>
    private var head: HTTPResponseHead?
    private var body: [UInt8] = []

    init(promise: EventLoopPromise<ControllerRefusal>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body(let buffer): body += buffer.readableBytesView.prefix(4096 - body.count)
        case .end:
            promise.succeed(Self.refusal(head, body))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.succeed(Self.refusal(head, body))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }

    /// The refusal an answer says: its status, `Retry-After`, and `error.message` of a JSON body
    /// (or the status's reason phrase).
    private static func refusal(_ head: HTTPResponseHead?, _ body: [UInt8]) -> ControllerRefusal {
        guard let head else { return ControllerRefusal(status: 0, retryAfter: nil, reason: "the connection closed before an answer") }
        let retryAfter = head.headers.first(name: "Retry-After").flatMap { Int($0) }.map { min(max($0, 1), 3600) }
        var reason = head.status.reasonPhrase
        if case .object(let members)? = try? JSONParser.parse(body), case .object(let error)? = members.first(where: { $0.0 == "error" })?.1,
            case .string(let message)? = error.first(where: { $0.0 == "message" })?.1
        {
            reason = String(message.prefix(300))
        }
        return ControllerRefusal(status: Int(head.status.code), retryAfter: retryAfter, reason: reason)
    }
}
