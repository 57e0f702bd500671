import Crypto
import Foundation

/// Short-lived session tickets: at admission an agent receives one, and presents it when it
/// reconnects (header `X-PosternProxy-Ticket`), so a controller restart does not cost each of
/// thousands of agents a bcrypt check.
///
/// A ticket is `ppt_<server id>_<generation>_<expires>_<mac>`: the server it admits, the
/// ``AgentCredential/generation(of:)`` of the token it was issued for (a reissued token or a
/// deleted server makes it useless at once), when it expires (seconds since 1970), and 32 hex
/// digits of HMAC-SHA256 over the rest. The key is derived from a secret kept in the database
/// (``ControllerSecretRepository``) and the period the ticket was issued in, so keys rotate
/// every ``lifetime`` without a write; a ticket of the current or the previous period is
/// accepted until it expires.
struct AgentTickets: Sendable {
    /// How long a ticket is accepted, and how often the key changes.
    static let lifetime: Int64 = 12 * 3600
    static let secretName = "agent_ticket_key"

    private let secret: SymmetricKey

    init(secret: Data) {
        self.secret = SymmetricKey(data: secret)
    }

    /// The ticket for `serverID` holding a token of `generation`, issued at `now`.
    func issue(serverID: Int64, generation: String, now: Date = Date()) -> String {
        let issued = Int64(now.timeIntervalSince1970)
        let body = "ppt_\(serverID)_\(generation)_\(issued + Self.lifetime)"
        return body + "_" + mac(body, period: issued / Self.lifetime)
    }

    /// The server and token generation `ticket` admits at `now`; nil when it is malformed,
    /// expired, from a period whose key is gone, or its MAC is not this controller's.
    func verify(_ ticket: String, now: Date = Date()) -> (serverID: Int64, generation: String)? {
        guard ticket.utf8.count <= 128 else { return nil }
        let parts = ticket.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "ppt", let serverID = Int64(parts[1]), serverID > 0, let expires = Int64(parts[3]),
            parts[2].utf8.count == 16, parts[2].utf8.allSatisfy(Self.isHexDigit), parts[4].utf8.count == 32
        else { return nil }
        let current = Int64(now.timeIntervalSince1970)
        let issued = expires - Self.lifetime
        // Not expired, not from the future, and from this period or the previous one.
        guard expires > current, issued <= current + 60, current / Self.lifetime - issued / Self.lifetime <= 1 else { return nil }
        let body = parts[0..<4].joined(separator: "_")
        guard Secrets.constantTimeEquals(String(parts[4]), mac(body, period: issued / Self.lifetime)) else { return nil }
        return (serverID, String(parts[2]))
    }

    private func mac(_ body: String, period: Int64) -> String {
        let key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data("period \(period)".utf8), using: secret))
        return Secrets.hex(HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: key).prefix(16))
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
}
