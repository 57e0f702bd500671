import Foundation
import GRDB

/// The users table's two-factor columns and the `backup_codes` table: every statement about a
/// user's TOTP secret (sealed), whether it is on, the last step accepted, and the one-time codes
/// (stored as SHA-256 hashes).
enum TwoFactorStore {
    struct Row: Sendable {
        var sealedSecret: String?
        var enabled: Bool
        var lastStep: Int64?
    }

    static func fetch(_ db: Database, userID: Int64) throws -> Row? {
        try GRDB.Row.fetchOne(db, sql: "SELECT totp_secret, totp_enabled, totp_last_step FROM users WHERE id = ?", arguments: [userID]).map {
            Row(sealedSecret: $0["totp_secret"], enabled: $0["totp_enabled"], lastStep: $0["totp_last_step"])
        }
    }

    /// A secret waiting for its first code; two-factor login stays off until then.
    static func setPending(_ db: Database, userID: Int64, sealedSecret: String) throws {
        try db.execute(
            sql: "UPDATE users SET totp_secret = ?, totp_enabled = 0, totp_last_step = NULL WHERE id = ?", arguments: [sealedSecret, userID])
    }

    static func enable(_ db: Database, userID: Int64, step: Int64) throws {
        try db.execute(sql: "UPDATE users SET totp_enabled = 1, totp_last_step = ?, modified_on = ? WHERE id = ?", arguments: [step, Date(), userID])
    }

    /// Moves the last accepted step forward; false when another request took this step first.
    static func accept(_ db: Database, userID: Int64, step: Int64) throws -> Bool {
        try db.execute(
            sql: "UPDATE users SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)",
            arguments: [step, userID, step])
        return db.changesCount == 1
    }

    /// Turns two-factor login off and forgets the secret and codes.
    static func clear(_ db: Database, userID: Int64) throws {
        try db.execute(
            sql: "UPDATE users SET totp_secret = NULL, totp_enabled = 0, totp_last_step = NULL, modified_on = ? WHERE id = ?",
            arguments: [Date(), userID])
        try db.execute(sql: "DELETE FROM backup_codes WHERE user_id = ?", arguments: [userID])
    }

    static func replaceBackupCodes(_ db: Database, userID: Int64, hashes: [String]) throws {
        try db.execute(sql: "DELETE FROM backup_codes WHERE user_id = ?", arguments: [userID])
        for hash in hashes {
            try db.execute(sql: "INSERT INTO backup_codes (user_id, code_hash) VALUES (?, ?)", arguments: [userID, hash])
        }
    }

    /// Marks the unused code with this hash used; false when there is none.
    static func useBackupCode(_ db: Database, userID: Int64, hash: String) throws -> Bool {
        try db.execute(
            sql: "UPDATE backup_codes SET used_on = ? WHERE user_id = ? AND code_hash = ? AND used_on IS NULL",
            arguments: [Date(), userID, hash])
        return db.changesCount > 0
    }

    static func unusedBackupCodes(_ db: Database, userID: Int64) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM backup_codes WHERE user_id = ? AND used_on IS NULL", arguments: [userID]) ?? 0
    }
}
