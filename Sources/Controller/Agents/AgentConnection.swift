import HummingbirdWebSocket
import NIOCore
import NIOWebSocket

/// The controller's end of one agent's WebSocket, where every write has a deadline.
///
/// A write waits while the connection cannot take more (the agent stopped reading, or its network
/// did). One that is still waiting after ``writeTimeout`` drops the connection: the agent, if it is
/// alive, reconnects and catches up with a full sync, and until then a stalled agent holds at most
/// the one message being written, never a queue of them, and never the sessions of others.
struct AgentConnection: Sendable {
    /// A write was still waiting after the timeout; the connection was dropped.
    struct Stalled: Error, CustomStringConvertible {
        let after: Duration
        var description: String { "the agent took no data for \(after): it stopped reading; the connection was dropped" }
    }

    let outbound: WebSocketOutboundWriter
    let channel: any Channel
    let writeTimeout: Duration

    /// Sends one text message, UTF-8 as the agent protocol's encoders write it, as one frame (an
    /// agent takes frames of up to its largest message): its bytes are copied once, into the
    /// frame, with no `String` made of a desired state of several megabytes. Throws ``Stalled``
    /// when the agent did not take it in time.
    func send(_ bytes: [UInt8]) async throws {
        let frame = WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(bytes: bytes))
        try await withDeadline(writeTimeout) { try await outbound.write(.custom(frame)) }
    }

    /// Sends a close frame with `code` and `reason` (cut to the 123 bytes a close frame holds, on
    /// a character boundary). The frame follows any message still being written; when it is not
    /// written within `deadline` (the write timeout when none is given) the connection is dropped
    /// without it.
    func close(code: WebSocketErrorCode, reason: String, within deadline: Duration? = nil) async {
        try? await withDeadline(deadline ?? writeTimeout) { try await outbound.close(code, reason: Self.closeReason(reason)) }
    }

    private func withDeadline(_ timeout: Duration, _ write: () async throws -> Void) async throws {
        let watchdog = Task { [channel] in
            do { try await Task.sleep(for: timeout) } catch { return false }
            channel.close(mode: .all, promise: nil)
            return true
        }
        do {
            try await write()
        } catch {
            watchdog.cancel()
            if await watchdog.value { throw Stalled(after: timeout) }
            throw error
        }
        watchdog.cancel()
    }

    /// At most 120 bytes of `reason`, ending on a whole character.
    static func closeReason(_ reason: String) -> String {
        var bytes = 0
        return String(
            reason.prefix { character in
                bytes += character.utf8.count
                return bytes <= 120
            })
    }
}
