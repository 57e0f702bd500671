import Foundation
import GRDB

/// Sessions (a short-lived access token and a long-lived refresh token per login) and API tokens,
/// stored as SHA-256 hashes. Every check reads the user's `active` flag, so deactivating a user
/// cuts off their sessions and tokens at once.
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

    func create(userID: Int64, client: Client, method: Method = .password, in db: Database, startedOn: Date? = nil) throws -> Issued {
        let access = Secrets.token(prefix: "ppa_"), refresh = Secrets.token(prefix: "ppr_")
        let now = Date()
        try db.execute(
            sql: """
                INSERT INTO sessions (user_id, access_hash, access_expires, refresh_hash, refresh_expires, created_on, refreshed_on, client_ip, user_agent, method)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                userID, Secrets.tokenHash(access), now + Self.accessLifetime,
                Secrets.tokenHash(refresh), now + Self.refreshLifetime, startedOn ?? now, now, client.ip, client.userAgent, method.rawValue,
            ])
        return Issued(sessionID: db.lastInsertedRowID, accessToken: access, refreshToken: refresh)
    }

    /// Exchanges a valid refresh token for new tokens (the old ones stop working); the session
    /// keeps the time it started.
    func refresh(_ refreshToken: String, client: Client) async throws -> (Issued, Int64)? {
        try await store.database.write { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT s.id, s.user_id, s.created_on, s.method FROM sessions s JOIN users u ON u.id = s.user_id
                        WHERE s.refresh_hash = ? AND s.refresh_expires > ? AND u.active = 1
                        """, arguments: [Secrets.tokenHash(refreshToken), Date()])
            else { return nil }
            let userID: Int64 = row["user_id"]
            try db.execute(sql: "DELETE FROM sessions WHERE id = ?", arguments: [row["id"] as Int64])
            let method = Method(rawValue: row["method"]) ?? .password
            return (try create(userID: userID, client: client, method: method, in: db, startedOn: row["created_on"]), userID)
        }
    }

    /// A user's sessions that can still be refreshed, newest first.
    func list(userID: Int64) async throws -> [Listing] {
        try await store.database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, created_on, refreshed_on, client_ip, user_agent FROM sessions
                    WHERE user_id = ? AND refresh_expires > ? ORDER BY refreshed_on DESC, id DESC
                    """, arguments: [userID, Date()]
            ).map { row in
                Listing(
                    id: row["id"], createdOn: row["created_on"], refreshedOn: row["refreshed_on"] ?? row["created_on"],
                    client: Client(ip: row["client_ip"] ?? "", userAgent: row["user_agent"]))
            }
        }
    }

    /// Ends every session of a user (signed out everywhere); returns how many there were.
    func endAll(userID: Int64, in db: Database) throws -> Int {
        try db.execute(sql: "DELETE FROM sessions WHERE user_id = ?", arguments: [userID])
        return db.changesCount
    }

    /// The identity behind an access token (bearer or cookie), if it is valid now.
    func identity(accessToken: String, viaCookie: Bool) async throws -> Identity? {
        try await store.database.read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT s.id AS session_id, s.method, u.id, u.email, u.role, u.totp_enabled,
                               (SELECT value FROM settings WHERE key = 'require_two_factor') AS require_two_factor
                        FROM sessions s JOIN users u ON u.id = s.user_id
                        WHERE s.access_hash = ? AND s.access_expires > ? AND u.active = 1
                        """, arguments: [Secrets.tokenHash(accessToken), Date()])
            else { return nil }
            let sessionID: Int64 = row["session_id"]
            var identity = Identity(
                userID: row["id"], email: row["email"], role: Identity.Role(rawValue: row["role"]) ?? .viewer,
                credential: viaCookie ? .sessionCookie(sessionID: sessionID) : .accessToken(sessionID: sessionID))
            identity.mustEnrolTwoFactor =
                (row["require_two_factor"] as String?) == "true" && !(row["totp_enabled"] as Bool)
                && (row["method"] as String?) != Method.singleSignOn.rawValue
            return identity
        }
    }

    /// The identity behind an API token; records when it was last used (at most once a minute,
    /// so most requests only read).
    func identity(apiToken: String) async throws -> Identity? {
        let hash = Secrets.tokenHash(apiToken)
        let found = try await store.database.read { db -> (Identity, Date?)? in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT t.id AS token_id, t.last_used_on, u.id, u.email, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id
                        WHERE t.token_hash = ? AND u.active = 1
                        """, arguments: [hash])
            else { return nil }
            let identity = Identity(
                userID: row["id"], email: row["email"], role: Identity.Role(rawValue: row["role"]) ?? .viewer,
                credential: .apiToken(tokenID: row["token_id"]))
            return (identity, row["last_used_on"])
        }
        guard let (identity, lastUsed) = found else { return nil }
        if lastUsed.map({ Date().timeIntervalSince($0) > 60 }) ?? true, case .apiToken(let tokenID) = identity.credential {
            try await store.database.write { db in
                try db.execute(sql: "UPDATE api_tokens SET last_used_on = ? WHERE id = ?", arguments: [Date(), tokenID])
            }
        }
        return identity
    }

    func end(sessionID: Int64) async throws {
        try await store.database.write { db in try db.execute(sql: "DELETE FROM sessions WHERE id = ?", arguments: [sessionID]) }
    }
}
