import Foundation

/// Every read and write of `users`, and the ending of a user's `sessions` that goes with some of
/// them. Functions take the open connection, so a service composes them in one transaction.
enum UserRepository {
    static func find(_ db: any SQLConnection, id: Int64) throws -> UserRecord? {
        try db.row("SELECT * FROM users WHERE id = ?", [id]).map(UserRecord.init)
    }

    /// The user with `email` (compared without case, as the column is collated).
    static func find(_ db: any SQLConnection, email: String) throws -> UserRecord? {
        try db.row("SELECT * FROM users WHERE email = ?", [email]).map(UserRecord.init)
    }

    static func page(_ db: any SQLConnection, page: Int, limit: Int) throws -> (users: [UserRecord], total: Int) {
        let users = try db.rows("SELECT * FROM users ORDER BY id LIMIT ? OFFSET ?", [limit, (page - 1) * limit])
            .map(UserRecord.init)
        return (users, try db.value(Int.self, "SELECT COUNT(*) FROM users") ?? 0)
    }

    static func isEmpty(_ db: any SQLConnection) throws -> Bool {
        try db.value(Bool.self, "SELECT 1 FROM users LIMIT 1") != true
    }

    /// How many active admins there are.
    static func activeAdminCount(_ db: any SQLConnection) throws -> Int {
        try db.value(Int.self, "SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1") ?? 0
    }

    /// Inserts a user; returns its id.
    static func insert(_ db: any SQLConnection, email: String, name: String, passwordHash: String, role: Identity.Role, active: Bool) throws -> Int64
    {
        let now = Date()
        try db.execute(
            "INSERT INTO users (email, name, password_hash, role, active, created_on, modified_on) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [email, name, passwordHash, role.rawValue, active, now, now])
        return db.lastInsertedID
    }

    /// Writes `user`'s email, name, role and active flag, and `passwordHash` when given.
    static func update(_ db: any SQLConnection, _ user: UserRecord, passwordHash: String?) throws {
        try db.execute(
            "UPDATE users SET email = ?, name = ?, role = ?, active = ?, password_hash = COALESCE(?, password_hash), modified_on = ? WHERE id = ?",
            [user.email, user.name, user.role.rawValue, user.active, passwordHash, Date(), user.id])
    }

    static func setPasswordHash(_ db: any SQLConnection, id: Int64, _ hash: String) throws {
        try db.execute("UPDATE users SET password_hash = ?, modified_on = ? WHERE id = ?", [hash, Date(), id])
    }

    /// Deletes a user (its sessions and tokens go by cascade).
    static func delete(_ db: any SQLConnection, id: Int64) throws {
        try db.execute("DELETE FROM users WHERE id = ?", [id])
    }

    /// Ends every session of user `id` but `keeping` (nil: all); returns how many ended.
    @discardableResult
    static func endSessions(_ db: any SQLConnection, userID id: Int64, keeping kept: Int64? = nil) throws -> Int {
        try db.execute("DELETE FROM sessions WHERE user_id = ? AND id IS NOT ?", [id, kept])
        return db.changedRowCount
    }

    /// Ends session `sessionID` if it is user `id`'s; false when they have no such session.
    static func endSession(_ db: any SQLConnection, _ sessionID: Int64, userID id: Int64) throws -> Bool {
        try db.execute("DELETE FROM sessions WHERE id = ? AND user_id = ?", [sessionID, id])
        return db.changedRowCount == 1
    }
}
