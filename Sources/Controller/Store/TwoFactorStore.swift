import Foundation

/// The users table's two-factor columns and the `backup_codes` table: every statement about a
/// user's TOTP secret (sealed), whether it is on, the last step accepted, and the one-time codes
/// (stored as SHA-256 hashes).
enum TwoFactorStore {
    /// A user's two-factor columns.
    struct State: Sendable {
        var sealedSecret: String?
        var enabled: Bool
        var lastStep: Int64?
    }

    static func fetch(_ db: any SQLConnection, userID: Int64) throws -> State? {
        try db.row("SELECT totp_secret, totp_enabled, totp_last_step FROM users WHERE id = ?", [userID]).map {
            State(sealedSecret: $0["totp_secret"], enabled: $0["totp_enabled"], lastStep: $0["totp_last_step"])
        }
    }

    /// A secret waiting for its first code; two-factor login stays off until then.
    static func setPending(_ db: any SQLConnection, userID: Int64, sealedSecret: String) throws {
        try db.execute(
            "UPDATE users SET totp_secret = ?, totp_enabled = 0, totp_last_step = NULL WHERE id = ?", [sealedSecret, userID])
    }

    static func enable(_ db: any SQLConnection, userID: Int64, step: Int64) throws {
        try db.execute("UPDATE users SET totp_enabled = 1, totp_last_step = ?, modified_on = ? WHERE id = ?", [step, Date(), userID])
    }

    /// Moves the last accepted step forward; false when another request took this step first.
    static func accept(_ db: any SQLConnection, userID: Int64, step: Int64) throws -> Bool {
        try db.execute(
            "UPDATE users SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)", [step, userID, step])
        return db.changedRowCount == 1
    }

    /// Turns two-factor login off and forgets the secret and codes.
    static func clear(_ db: any SQLConnection, userID: Int64) throws {
        try db.execute(
            "UPDATE users SET totp_secret = NULL, totp_enabled = 0, totp_last_step = NULL, modified_on = ? WHERE id = ?", [Date(), userID])
        try db.execute("DELETE FROM backup_codes WHERE user_id = ?", [userID])
    }

    static func replaceBackupCodes(_ db: any SQLConnection, userID: Int64, hashes: [String]) throws {
        try db.execute("DELETE FROM backup_codes WHERE user_id = ?", [userID])
        for hash in hashes {
            try db.execute("INSERT INTO backup_codes (user_id, code_hash) VALUES (?, ?)", [userID, hash])
        }
    }

    /// Marks the unused code with this hash used; false when there is none.
    static func useBackupCode(_ db: any SQLConnection, userID: Int64, hash: String) throws -> Bool {
        try db.execute(
            "UPDATE backup_codes SET used_on = ? WHERE user_id = ? AND code_hash = ? AND used_on IS NULL", [Date(), userID, hash])
        return db.changedRowCount > 0
    }

    /// The unused backup codes kept as bcrypt hashes (Nginx Proxy Manager's, carried over by an
    /// import), which are checked one by one rather than looked up.
    static func unusedBcryptBackupCodes(_ db: any SQLConnection, userID: Int64) throws -> [String] {
        try db.rows("SELECT code_hash FROM backup_codes WHERE user_id = ? AND used_on IS NULL AND code_hash LIKE '$2%'", [userID])
            .map { $0["code_hash"] }
    }

    static func unusedBackupCodes(_ db: any SQLConnection, userID: Int64) throws -> Int {
        try db.value(Int.self, "SELECT COUNT(*) FROM backup_codes WHERE user_id = ? AND used_on IS NULL", [userID]) ?? 0
    }
}
