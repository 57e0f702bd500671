import Crypto
import Dispatch
import Foundation
import NIOPosix
import Host
import Synchronization

/// Decides whether an agent may connect: at most ``limiter``'s attempts a minute per
/// address, then the token `ppg_<server id>_<secret>` checked against that server's bcrypt hash.
///
/// bcrypt is slow on purpose (about 0.25 s at cost 12), so it runs off the server's threads, one
/// check at a time (a crowd of agents arriving together must not starve the API and the
/// connected agents' heartbeats), and a token that verified is remembered by its SHA-256 —
/// compared in constant time — for as long as the server's stored hash stays the same. A
/// reissued token or a deleted server forgets it.
final class AgentAdmission: Sendable {
    enum Refusal: Error, CustomStringConvertible {
        case rateLimited(retryAfter: Int)
        case missingToken
        case unknownServer
        case wrongToken

        var description: String {
            switch self {
            case .rateLimited(let seconds): "too many connection attempts from this address; retry in \(seconds) s"
            case .missingToken: "no agent token in the Authorization header"
            case .unknownServer: "the token names no remote server with an agent token"
            case .wrongToken: "the agent token is wrong"
            }
        }
    }

    /// Who was let in, and the stored hash they were checked against (a later change revokes).
    struct Admitted: Sendable {
        var serverID: Int64
        var tokenHash: String
    }

    let store: Store
    let limiter: RateLimiter
    private let verified = Mutex<[Int64: (storedHash: String, digest: SHA256.Digest)]>([:])

    init(store: Store, attemptsPerMinute: Int) {
        self.store = store
        limiter = RateLimiter(limit: attemptsPerMinute)
    }

    func admit(authorization: String?, clientIP: String) async throws(Refusal) -> Admitted {
        if let retryAfter = limiter.acquire(clientIP) { throw .rateLimited(retryAfter: retryAfter) }
        guard let authorization, authorization.hasPrefix("Bearer ") else { throw .missingToken }
        let token = String(authorization.dropFirst("Bearer ".count))
        guard token.utf8.count <= 200, let serverID = AgentProtocol.serverID(inToken: token) else { throw .wrongToken }
        let stored = try? await store.database.read { db in
            try ServerRepository.agentTokenHash(db, remoteID: serverID)
        }
        guard let storedHash = stored ?? nil else { throw .unknownServer }
        let digest = SHA256.hash(data: Data(token.utf8))
        let remembered = verified.withLock { table in table[serverID].map { $0.storedHash == storedHash && $0.digest == digest } }
        if remembered == true { return Admitted(serverID: serverID, tokenHash: storedHash) }
        guard await Self.bcryptVerify(token, hash: storedHash) else { throw .wrongToken }
        verified.withLock { $0[serverID] = (storedHash, digest) }
        return Admitted(serverID: serverID, tokenHash: storedHash)
    }

    /// One check at a time, on a thread of its own: a storm of reconnecting agents costs one
    /// core at most, and logins keep NIO's shared pool.
    private static let admissionPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()

    private static func bcryptVerify(_ token: String, hash: String) async -> Bool {
        (try? await Secrets.verifyPassword(token, hash: hash, on: admissionPool)) ?? false
    }
}
