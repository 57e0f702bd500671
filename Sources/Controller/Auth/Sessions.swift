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

    func create(userID: Int64, in db: Database) throws -> Issued {
        let access = Secrets.token(prefix: "ppa_"), refresh = Secrets.token(prefix: "ppr_")
        let now = Date()
        try db.execute(sql: """
            INSERT INTO sessions (user_id, access_hash, access_expires, refresh_hash, refresh_expires, created_on)
            VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [userID, Secrets.tokenHash(access), now + Self.accessLifetime,
                             Secrets.tokenHash(refresh), now + Self.refreshLifetime, now])
        return Issued(sessionID: db.lastInsertedRowID, accessToken: access, refreshToken: refresh)
    }

    /// Exchanges a valid refresh token for new tokens (the old ones stop working).
    func refresh(_ refreshToken: String) async throws -> (Issued, Int64)? {
        try await store.database.write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT s.id, s.user_id FROM sessions s JOIN users u ON u.id = s.user_id
                WHERE s.refresh_hash = ? AND s.refresh_expires > ? AND u.active = 1
                """, arguments: [Secrets.tokenHash(refreshToken), Date()])
            else { return nil }
            let userID: Int64 = row["user_id"]
            try db.execute(sql: "DELETE FROM sessions WHERE id = ?", arguments: [row["id"] as Int64])
            return (try create(userID: userID, in: db), userID)
        }
    }

    /// The identity behind an access token (bearer or cookie), if it is valid now.
    func identity(accessToken: String, viaCookie: Bool) async throws -> Identity? {
        try await store.database.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT s.id AS session_id, u.id, u.email, u.role FROM sessions s JOIN users u ON u.id = s.user_id
                WHERE s.access_hash = ? AND s.access_expires > ? AND u.active = 1
                """, arguments: [Secrets.tokenHash(accessToken), Date()])
            else { return nil }
            let sessionID: Int64 = row["session_id"]
            return Identity(userID: row["id"], email: row["email"], role: Identity.Role(rawValue: row["role"]) ?? .viewer,
                            credential: viaCookie ? .sessionCookie(sessionID: sessionID) : .accessToken(sessionID: sessionID))
        }
    }

    /// The identity behind an API token; records when it was last used (at most once a minute,
    /// so most requests only read).
    func identity(apiToken: String) async throws -> Identity? {
        let hash = Secrets.tokenHash(apiToken)
        let found = try await store.database.read { db -> (Identity, Date?)? in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT t.id AS token_id, t.last_used_on, u.id, u.email, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id
                WHERE t.token_hash = ? AND u.active = 1
                """, arguments: [hash])
            else { return nil }
            let identity = Identity(userID: row["id"], email: row["email"], role: Identity.Role(rawValue: row["role"]) ?? .viewer,
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
