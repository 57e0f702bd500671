import Foundation

/// Sessions (a short-lived access token and a long-lived refresh token per login) and API tokens,
/// stored as SHA-256 hashes. Every check reads the user's `active` flag (or a holder the store
/// keeps only until those tables change), so deactivating a user cuts off their sessions and
/// tokens at once.
struct Sessions: Sendable {
    let store: Store
    static let accessLifetime: TimeInterval = 15 * 60
    static let refreshLifetime: TimeInterval = 7 * 24 * 3600

    /// A new session's secrets, shown to the client once.
    struct Issued: Sendable {
        var sessionID: Int64
        var accessToken: String
        var refreshToken: String
    }

    /// Where a session was started or last refreshed from, shown in the user's session list.
    struct Client: Sendable {
        var ip: String
        var userAgent: String

        init(ip: String, userAgent: String?) {
            self.ip = ip
            self.userAgent = String(FieldRules.printable(userAgent ?? "").prefix(200))
        }
    }

    /// One session as its user (or an admin) sees it: never its tokens.
    struct Listing: Sendable {
        var id: Int64
        var createdOn: Date
        var refreshedOn: Date
        var client: Client
    }

    /// How a session's user proved who they are when it started.
    enum Method: String, Sendable {
        case password
        /// Through the identity provider, which is then in charge of any second factor.
        case singleSignOn = "single_sign_on"
    }

    /// Starts a session whose access token lasts `accessLifetime` (a client that cannot refresh
    /// with the refresh token, as Nginx Proxy Manager's, gets a longer one).
    func create(
        userID: Int64, client: Client, method: Method = .password, in db: any SQLConnection, startedOn: Date? = nil,
        accessLifetime: TimeInterval = Self.accessLifetime
    ) throws -> Issued {
        let access = Secrets.token(prefix: "ppa_"), refresh = Secrets.token(prefix: "ppr_")
        let now = Date()
        let id = try SessionRepository.insert(
            db, userID: userID, accessHash: Secrets.tokenHash(access), accessExpires: now + accessLifetime,
            refreshHash: Secrets.tokenHash(refresh), refreshExpires: now + Self.refreshLifetime, createdOn: startedOn ?? now, clientIP: client.ip,
            userAgent: client.userAgent, method: method.rawValue)
        return Issued(sessionID: id, accessToken: access, refreshToken: refresh)
    }

    /// Exchanges a valid refresh token for new tokens (the old ones stop working); the session
    /// keeps the time it started.
    func refresh(_ refreshToken: String, client: Client) async throws -> (Issued, Int64)? {
        try await store.database.write(essential: true) { db in
            guard let session = try SessionRepository.refreshable(db, refreshHash: Secrets.tokenHash(refreshToken)) else { return nil }
            try SessionRepository.delete(db, id: session.id)
            let method = Method(rawValue: session.method) ?? .password
            return (try create(userID: session.userID, client: client, method: method, in: db, startedOn: session.createdOn), session.userID)
        }
    }

    /// A new access token for the session `sessionID`, lasting `lifetime`; the one presented
    /// stops working. Nil when the session has ended.
    func renewAccess(sessionID: Int64, lifetime: TimeInterval) async throws -> (token: String, expires: Date)? {
        let access = Secrets.token(prefix: "ppa_")
        let expires = Date() + lifetime
        let renewed = try await store.database.write(essential: true) { db in
            try SessionRepository.replaceAccess(db, id: sessionID, accessHash: Secrets.tokenHash(access), accessExpires: expires)
        }
        return renewed ? (access, expires) : nil
    }

    /// A user's sessions that can still be refreshed, newest first.
    func list(userID: Int64) async throws -> [Listing] {
        try await store.database.read { db in
            try SessionRepository.live(db, userID: userID).map { row in
                Listing(
                    id: row["id"], createdOn: row["created_on"], refreshedOn: row["refreshed_on"] ?? row["created_on"],
                    client: Client(ip: row["client_ip"] ?? "", userAgent: row["user_agent"]))
            }
        }
    }

    /// The identity behind an access token (bearer or cookie), if it is valid now.
    func identity(accessToken: String, viaCookie: Bool) async throws -> Identity? {
        let hash = Secrets.tokenHash(accessToken)
        let holder = try await store.tokenHolders.value(for: hash, isCurrent: { Self.unexpired($0) }) {
            try await store.database.read { db in try SessionRepository.holder(db, accessHash: hash) }
        }
        guard let holder else { return nil }
        let sessionID = holder.credentialID
        var identity = Identity(
            userID: holder.userID, email: holder.email, role: holder.role,
            credential: viaCookie ? .sessionCookie(sessionID: sessionID) : .accessToken(sessionID: sessionID))
        identity.mustEnrolTwoFactor = holder.twoFactorRequired && !holder.twoFactorEnabled && holder.sessionMethod != Method.singleSignOn.rawValue
        return identity
    }

    /// The identity behind an API token; records when it was last used (at most once a minute,
    /// so most requests only read).
    func identity(apiToken: String) async throws -> Identity? {
        let hash = Secrets.tokenHash(apiToken)
        let holder = try await store.tokenHolders.value(for: hash, isCurrent: { Self.unexpired($0) }) {
            try await store.database.read { db in try SessionRepository.holder(db, apiTokenHash: hash) }
        }
        guard let holder else { return nil }
        var identity = Identity(userID: holder.userID, email: holder.email, role: holder.role, credential: .apiToken(tokenID: holder.credentialID))
        identity.metricsOnly = holder.tokenScope == TokenScope.metrics.rawValue
        if holder.tokenLastUsed.map({ Date().timeIntervalSince($0) > 60 }) ?? true {
            // Best effort: a token keeps working while the disk is full.
            try? await store.database.write { db in try SessionRepository.stampTokenUse(db, tokenID: holder.credentialID) }
        }
        return identity
    }

    /// Whether a kept holder's token still works by the clock at `now` (the database knows the
    /// rest).
    static func unexpired(_ holder: SessionRepository.Holder, now: Date = Date()) -> Bool {
        holder.validUntil.map { $0 > now } ?? true
    }

    func end(sessionID: Int64) async throws {
        try await store.database.write(essential: true) { db in try SessionRepository.delete(db, id: sessionID) }
    }
}
