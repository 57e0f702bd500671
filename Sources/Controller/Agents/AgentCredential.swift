import Crypto
import Foundation
import Host
import HummingbirdBcrypt
import NIOPosix

/// What the controller keeps of a server's agent token (`ppg_<server id>_<secret>`): its bcrypt
/// hash, and a cheap check (the first 16 hex digits of its SHA-256) that refuses a wrong token
/// without running bcrypt, so a flood of wrong tokens costs a hash each, never a bcrypt check.
///
/// The secret carries 256 random bits: neither the check nor a lower bcrypt cost than a
/// password's brings a guess any closer (there is nothing to guess from). The cost is kept low
/// (``bcryptCost``) because it only spends the controller's processor: issuing tokens for a
/// thousand servers, or admitting ten thousand agents after a restart, must take seconds.
struct AgentCredential: Sendable, Equatable {
    var hash: String
    var check: String

    /// bcrypt cost for agent tokens (passwords use ``Secrets/passwordCost``).
    static let bcryptCost: UInt8 = 4

    /// A new token for `serverID` and what is stored of it, hashed on `pool`.
    static func issue(serverID: Int64, on pool: NIOThreadPool = .singleton) async throws -> (token: String, credential: AgentCredential) {
        let token = Secrets.token(prefix: "\(AgentProtocol.tokenPrefix)\(serverID)_")
        let hash = try await pool.runIfActive { Bcrypt.hash(token, cost: bcryptCost) }
        return (token, AgentCredential(hash: hash, check: check(of: token)))
    }

    /// The cheap check of `token`.
    static func check(of token: String) -> String { digestPrefix(token) }

    /// Whether `token` passes `check`, compared in constant time.
    static func passes(_ token: String, check: String) -> Bool {
        Secrets.constantTimeEquals(Self.check(of: token), check)
    }

    /// A short fingerprint of a stored bcrypt hash: a ticket names the token it was issued for
    /// by it, so a reissued token makes every earlier ticket useless at once.
    static func generation(of hash: String) -> String { digestPrefix(hash) }

    /// The first 8 bytes of the SHA-256 of `text`, as 16 lower-case hex digits.
    private static func digestPrefix(_ text: String) -> String {
        Secrets.hex(SHA256.hash(data: Data(text.utf8)).prefix(8))
    }
}
