import Foundation

/// Every read and write of `sessions`, and the token lookups that join `users` (and `settings`
/// for `require_two_factor`) to say who is behind a presented token. Tokens are stored as SHA-256
/// hashes; only an active user's are found.
enum SessionRepository {
    /// The tables a ``Holder`` is read from: a commit that changes none of them leaves every
    /// holder read before it true.
    static let holderTables: Set<String> = ["sessions", "api_tokens", "users", "settings"]

    /// What a presented access token or API token stands for.
    struct Holder: Sendable {
        var userID: Int64
        var email: String
        var role: Identity.Role
        /// The session or API token presented.
        var credentialID: Int64
        var sessionMethod: String?
        var twoFactorEnabled: Bool
        var twoFactorRequired: Bool
        var tokenLastUsed: Date?
        /// An API token's scope (`api` or `metrics`).
        var tokenScope: String?
        /// When an access token stops working; nil for an API token, which works until revoked.
        var validUntil: Date?
    }

    /// A refresh token's session: its id, user, start and method.
    struct Refreshable: Sendable {
        var id: Int64
        var userID: Int64
        var createdOn: Date
        var method: String
    }

    /// Stores a session; returns its id.
    static func insert(
        _ db: any SQLConnection, userID: Int64, accessHash: String, accessExpires: Date, refreshHash: String, refreshExpires: Date, createdOn: Date,
        clientIP: String, userAgent: String, method: String
    ) throws -> Int64 {
        try db.execute(
            """
            INSERT INTO sessions (user_id, access_hash, access_expires, refresh_hash, refresh_expires, created_on, refreshed_on, client_ip, user_agent, method)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [userID, accessHash, accessExpires, refreshHash, refreshExpires, createdOn, Date(), clientIP, userAgent, method])
        return db.lastInsertedID
    }

    /// The session whose refresh token hashes to `hash`, while it can be refreshed.
    static func refreshable(_ db: any SQLConnection, refreshHash hash: String) throws -> Refreshable? {
        let row = try db.row(
            """
            SELECT s.id, s.user_id, s.created_on, s.method FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.refresh_hash = ? AND s.refresh_expires > ? AND u.active = 1
            """, [hash, Date()])
        return row.map { Refreshable(id: $0["id"], userID: $0["user_id"], createdOn: $0["created_on"], method: $0["method"] ?? "password") }
    }

    /// A user's sessions that can still be refreshed, newest first: `(id, created_on, refreshed_on, client_ip, user_agent)`.
    static func live(_ db: any SQLConnection, userID: Int64) throws -> [SQLRow] {
        try db.rows(
            """
            SELECT id, created_on, refreshed_on, client_ip, user_agent FROM sessions
            WHERE user_id = ? AND refresh_expires > ? ORDER BY refreshed_on DESC, id DESC
            """, [userID, Date()])
    }

    /// Who holds the access token hashing to `hash`, while it is valid.
    static func holder(_ db: any SQLConnection, accessHash hash: String) throws -> Holder? {
        let row = try db.row(
            """
            SELECT s.id AS session_id, s.method, s.access_expires, u.id, u.email, u.role, u.totp_enabled,
                   (SELECT value FROM settings WHERE key = 'require_two_factor') AS require_two_factor
            FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.access_hash = ? AND s.access_expires > ? AND u.active = 1
            """, [hash, Date()])
        return row.map { row in
            Holder(
                userID: row["id"], email: row["email"], role: Identity.Role(rawValue: row["role"]) ?? .viewer, credentialID: row["session_id"],
                sessionMethod: row["method"], twoFactorEnabled: row["totp_enabled"] ?? false,
                twoFactorRequired: (row["require_two_factor"] as String?) == "true", validUntil: row["access_expires"])
        }
    }

    /// Who holds the API token hashing to `hash`.
    static func holder(_ db: any SQLConnection, apiTokenHash hash: String) throws -> Holder? {
        let row = try db.row(
            """
            SELECT t.id AS token_id, t.last_used_on, t.scope, u.id, u.email, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id
            WHERE t.token_hash = ? AND u.active = 1
            """, [hash])
        return row.map { row in
            Holder(
                userID: row["id"], email: row["email"], role: Identity.Role(rawValue: row["role"]) ?? .viewer, credentialID: row["token_id"],
                twoFactorEnabled: false, twoFactorRequired: false, tokenLastUsed: row["last_used_on"], tokenScope: row["scope"])
        }
    }

    /// Gives the live session `id` a new access token (the old one stops working); false when
    /// no such session can be refreshed any more.
    static func replaceAccess(_ db: any SQLConnection, id: Int64, accessHash: String, accessExpires: Date) throws -> Bool {
        try db.execute(
            "UPDATE sessions SET access_hash = ?, access_expires = ?, refreshed_on = ? WHERE id = ? AND refresh_expires > ?",
            [accessHash, accessExpires, Date(), id, Date()])
        return db.changedRowCount > 0
    }

    static func stampTokenUse(_ db: any SQLConnection, tokenID: Int64) throws {
        try db.execute("UPDATE api_tokens SET last_used_on = ? WHERE id = ?", [Date(), tokenID])
    }

    static func delete(_ db: any SQLConnection, id: Int64) throws {
        try db.execute("DELETE FROM sessions WHERE id = ?", [id])
    }
}
