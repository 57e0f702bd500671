import Foundation
import GRDB

/// Creates the first admin when there is no user yet (SPEC §3.8).
enum FirstStart {
    /// Returns the generated password when one was made (to print once), nil otherwise.
    static func ensureAdmin(_ store: Store, email: String, password: String?) async throws -> String? {
        let hasUsers = try await store.database.read { db in try Bool.fetchOne(db, sql: "SELECT 1 FROM users LIMIT 1") == true }
        guard !hasUsers else { return nil }
        let chosen = password ?? Secrets.password(length: 20)
        let hash = Secrets.hashPassword(chosen)
        try await store.database.write { db in
            let now = Date()
            try db.execute(sql: "INSERT INTO users (email, name, password_hash, role, active, created_on, modified_on) VALUES (?, 'Administrator', ?, 'admin', 1, ?, ?)",
                           arguments: [email, hash, now, now])
            try AuditLog.record(db, AuditLog.Actor(userID: nil, email: nil, clientIP: "local"), action: "create", resourceType: "user",
                                resourceID: db.lastInsertedRowID, details: ["email": email, "role": "admin", "first_start": true])
        }
        return password == nil ? chosen : nil
    }
}
