import Foundation
import GRDB

/// Every read and write of `users`, and the ending of a user's `sessions` that goes with some of
/// them. Functions take the open `Database`, so a service composes them in one transaction.
enum UserRepository {
    static func find(_ db: Database, id: Int64) throws -> UserRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [id]).map(UserRecord.init)
    }

    /// The user with `email` (compared without case, as the column is collated).
    static func find(_ db: Database, email: String) throws -> UserRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM users WHERE email = ?", arguments: [email]).map(UserRecord.init)
    }

    static func page(_ db: Database, page: Int, limit: Int) throws -> (users: [UserRecord], total: Int) {
        let users = try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY id LIMIT ? OFFSET ?", arguments: [limit, (page - 1) * limit])
            .map(UserRecord.init)
        return (users, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users") ?? 0)
    }

    static func isEmpty(_ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM users LIMIT 1") != true
    }

    /// How many active admins there are.
    static func activeAdminCount(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1") ?? 0
    }

    /// Inserts a user; returns its id.
    static func insert(_ db: Database, email: String, name: String, passwordHash: String, role: Identity.Role, active: Bool) throws -> Int64 {
        let now = Date()
        try db.execute(
            sql: "INSERT INTO users (email, name, password_hash, role, active, created_on, modified_on) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [email, name, passwordHash, role.rawValue, active, now, now])
        return db.lastInsertedRowID
    }

    /// Writes `user`'s email, name, role and active flag, and `passwordHash` when given.
    static func update(_ db: Database, _ user: UserRecord, passwordHash: String?) throws {
        try db.execute(
            sql:
                "UPDATE users SET email = ?, name = ?, role = ?, active = ?, password_hash = COALESCE(?, password_hash), modified_on = ? WHERE id = ?",
            arguments: [user.email, user.name, user.role.rawValue, user.active, passwordHash, Date(), user.id])
    }

    static func setPasswordHash(_ db: Database, id: Int64, _ hash: String) throws {
        try db.execute(sql: "UPDATE users SET password_hash = ?, modified_on = ? WHERE id = ?", arguments: [hash, Date(), id])
    }

    /// Deletes a user (its sessions and tokens go by cascade).
    static func delete(_ db: Database, id: Int64) throws {
        try db.execute(sql: "DELETE FROM users WHERE id = ?", arguments: [id])
    }

    /// Ends every session of user `id` but `keeping` (nil: all); returns how many ended.
    @discardableResult
    static func endSessions(_ db: Database, userID id: Int64, keeping kept: Int64? = nil) throws -> Int {
        try db.execute(sql: "DELETE FROM sessions WHERE user_id = ? AND id IS NOT ?", arguments: [id, kept])
        return db.changesCount
    }
}
