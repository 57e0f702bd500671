import Crypto
import Foundation
import Host
import NIOCore
import NIOPosix
import Synchronization

/// Decides whether an agent may connect, cheapest checks first, so that a flood of wrong
/// credentials from any number of addresses never delays a right one:
///
/// 1. The token `ppg_<server id>_<secret>` must name a remote server with a token and pass its
///    cheap check (``AgentCredential/check``: a SHA-256 prefix, no bcrypt). A request that fails
///    here counts against its address's failures (``failures``); once they are used up, the
///    address is answered "retry later" instead of the reason.
/// 2. A request that passed counts against its address's admissions (``admissions``: a storm
///    of reconnects from one address is limited, whatever others at that address get wrong).
/// 3. A valid session ticket (``AgentTickets``) for the same server and token admits at once;
///    so does a token that verified before in this process.
/// 4. Otherwise bcrypt decides, on a pool of one thread per core. A token stored before cheap
///    checks existed is bcrypt-checked only while its server's failures (``serverFailures``)
///    are not used up, and gets its check stored once it verifies.
///
/// Every admission hands out a fresh ticket. When more slow checks wait than
/// ``maximumPendingSlowChecks``, a request that would need one is told to come back within a few
/// seconds (`busy`, answered 503 with `Retry-After`) rather than left to time out in the queue.
final class AgentAdmission: Sendable {
    enum Refusal: Error, Equatable, CustomStringConvertible {
        case rateLimited(retryAfter: Int)
        /// More slow checks are waiting than ``maximumPendingSlowChecks``: come back later.
        case busy(retryAfter: Int)
        case missingToken
        case unknownServer
        case wrongToken

        var description: String {
            switch self {
            case .rateLimited(let seconds): "too many connection attempts from this address or for this server; retry in \(seconds) s"
            case .busy(let seconds): "the controller is busy admitting other agents; retry in \(seconds) s"
            case .missingToken: "no agent token in the Authorization header"
            case .unknownServer: "the token names no remote server with an agent token"
            case .wrongToken: "the agent token is wrong (it was reissued, or the server was deleted)"
            }
        }
    }

    /// Who was let in, the stored hash they were checked against (a later change revokes), and
    /// the ticket that readmits them.
    struct Admitted: Sendable {
        var serverID: Int64
        var tokenHash: String
        var ticket: String
    }

    let store: Store
    /// Failed attempts per address.
    let failures: RateLimiter
    /// Admissions per address.
    let admissions: RateLimiter
    /// Failed bcrypt checks per server, for tokens without a cheap check.
    let serverFailures: RateLimiter
    /// The slow check of a token against its stored hash (bcrypt).
    let slowCheck: @Sendable (_ token: String, _ hash: String) async -> Bool
    private let verified = Mutex<[Int64: (storedHash: String, digest: SHA256.Digest)]>([:])
    private let tickets = Mutex<AgentTickets?>(nil)
    private let pendingSlowChecks = Atomic<Int>(0)
    /// Slow checks that may wait or run at once: some 100 ms of bcrypt per core.
    static let maximumPendingSlowChecks = 32 * System.coreCount

    /// `attemptsPerMinute` per address (and per server) refill over `window` seconds (a minute
    /// unless a test needs limits that do not refill while it runs).
    init(
        store: Store, attemptsPerMinute: Int, window: Double = 60,
        slowCheck: @escaping @Sendable (_ token: String, _ hash: String) async -> Bool = AgentAdmission.bcryptVerify
    ) {
        self.store = store
        self.slowCheck = slowCheck
        failures = RateLimiter(limit: attemptsPerMinute, window: window)
        admissions = RateLimiter(limit: attemptsPerMinute, window: window)
        serverFailures = RateLimiter(limit: attemptsPerMinute, window: window)
    }

    func admit(authorization: String?, ticket: String?, clientIP: String) async throws(Refusal) -> Admitted {
        guard let authorization, authorization.hasPrefix("Bearer ") else { throw refuse(.missingToken, clientIP) }
        let token = String(authorization.dropFirst("Bearer ".count))
        guard token.utf8.count <= 200, let serverID = AgentProtocol.serverID(inToken: token) else { throw refuse(.wrongToken, clientIP) }
        let stored = try? await store.database.read { db in try ServerRepository.agentCredential(db, remoteID: serverID) }
        guard let credential = stored ?? nil else { throw refuse(.unknownServer, clientIP) }
        if let check = credential.check, !AgentCredential.passes(token, check: check) { throw refuse(.wrongToken, clientIP) }

        if let retryAfter = admissions.acquire(clientIP) { throw .rateLimited(retryAfter: retryAfter) }
        let tickets = try? await self.tickets()
        let generation = AgentCredential.generation(of: credential.hash)
        func admitted() -> Admitted {
            Admitted(serverID: serverID, tokenHash: credential.hash, ticket: tickets?.issue(serverID: serverID, generation: generation) ?? "")
        }
        if let ticket, let admits = tickets?.verify(ticket), admits.serverID == serverID, admits.generation == generation {
            return admitted()
        }
        let digest = SHA256.hash(data: Data(token.utf8))
        let remembered = verified.withLock { table in table[serverID].map { $0.storedHash == credential.hash && $0.digest == digest } }
        if remembered == true { return admitted() }

        if credential.check == nil, let retryAfter = serverFailures.wait(String(serverID)) { throw .rateLimited(retryAfter: retryAfter) }
        guard pendingSlowChecks.add(1, ordering: .relaxed).newValue <= Self.maximumPendingSlowChecks else {
            pendingSlowChecks.subtract(1, ordering: .relaxed)
            throw .busy(retryAfter: Int.random(in: 1...5))
        }
        let verifies = await slowCheck(token, credential.hash)
        pendingSlowChecks.subtract(1, ordering: .relaxed)
        guard verifies else {
            _ = serverFailures.acquire(String(serverID))
            throw refuse(.wrongToken, clientIP)
        }
        verified.withLock { $0[serverID] = (credential.hash, digest) }
        if credential.check == nil {
            try? await store.database.write { db in
                try ServerRepository.setAgentTokenCheck(db, id: serverID, hash: credential.hash, check: AgentCredential.check(of: token))
            }
        }
        return admitted()
    }

    /// Counts a failure against `clientIP`: the reason while its failures last, then "retry later".
    private func refuse(_ refusal: Refusal, _ clientIP: String) -> Refusal {
        failures.acquire(clientIP).map { .rateLimited(retryAfter: $0) } ?? refusal
    }

    /// A fresh ticket for an agent admitted with `tokenHash`, for a connection that outlives half
    /// a ticket's life; nil when no ticket can be issued now.
    func renewedTicket(serverID: Int64, tokenHash: String) async -> String? {
        try? await tickets().issue(serverID: serverID, generation: AgentCredential.generation(of: tokenHash))
    }

    /// The ticket issuer, its key read (or made) once.
    private func tickets() async throws -> AgentTickets {
        if let loaded = tickets.withLock({ $0 }) { return loaded }
        let secret = try await store.database.write { db in try ControllerSecretRepository.secret(db, name: AgentTickets.secretName) }
        let loaded = AgentTickets(secret: secret)
        tickets.withLock { $0 = loaded }
        return loaded
    }

    /// bcrypt checks run one per core at most: a crowd of reconnecting agents cannot take more
    /// than the processor, and logins keep NIO's shared pool.
    private static let admissionPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: System.coreCount)
        pool.start()
        return pool
    }()

    static func bcryptVerify(_ token: String, hash: String) async -> Bool {
        (try? await Secrets.verifyPassword(token, hash: hash, on: admissionPool)) ?? false
    }
}
