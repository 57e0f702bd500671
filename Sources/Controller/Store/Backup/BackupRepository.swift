/// The SQL of backup and restore: the tables a backup carries put in place of this database's,
/// and the reads that check a restored database (a read-only copy, opened apart from this one)
/// before anything is replaced.
enum BackupRepository {
    /// Tables a backup carries, in an order that satisfies foreign keys.
    static let tables = [
        "servers", "users", "backup_codes", "api_tokens", "resources", "resource_claims", "settings", "webhooks", "audit_log", "catalog_plugins",
        "pipelines",
    ]

    /// Replaces every table a backup carries with those of the backup file at `path`, ends every
    /// session, and runs `then` in the same transaction (the revisions and the audit entry).
    static func replaceAll<T: Sendable>(
        _ database: any SQLDatabase, withTablesOf path: String, then: @Sendable (any SQLConnection) throws -> T
    ) async throws -> T {
        try await database.replaceTables(tables, withThoseOf: path) { db in
            try db.execute("DELETE FROM sessions")
            return try then(db)
        }
    }

    static func resourceCount(_ db: any SQLConnection) throws -> Int { try db.value(Int.self, "SELECT COUNT(*) FROM resources") ?? 0 }
    static func userCount(_ db: any SQLConnection) throws -> Int { try db.value(Int.self, "SELECT COUNT(*) FROM users") ?? 0 }

    // MARK: - Reading a restored database

    /// How many resources of each type the database holds.
    static func resourceCountsByType(_ db: any SQLConnection) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try db.rows("SELECT type, COUNT(*) AS n FROM resources GROUP BY type") { counts[row["type"]] = row["n"] }
        return counts
    }

    /// The SHA-256 of every plugin file the catalog holds.
    static func catalogFiles(_ db: any SQLConnection) throws -> [String] {
        try db.values(String.self, "SELECT sha256 FROM catalog_plugins ORDER BY sha256")
    }

    static func remoteServerCount(_ db: any SQLConnection) throws -> Int {
        try db.value(Int.self, "SELECT COUNT(*) FROM servers WHERE is_local = 0") ?? 0
    }

    static func localServerCount(_ db: any SQLConnection) throws -> Int {
        try db.value(Int.self, "SELECT COUNT(*) FROM servers WHERE is_local = 1") ?? 0
    }

    /// Every resource: id, type and stored payload.
    static func resources(_ db: any SQLConnection) throws -> [(id: Int64, type: String, data: String)] {
        try db.rows("SELECT id, type, data FROM resources").map { ($0["id"], $0["type"], $0["data"]) }
    }

    /// Every user's id, email, name, role and password hash.
    static func users(_ db: any SQLConnection) throws -> [(id: Int64, email: String, name: String, role: String, passwordHash: String)] {
        try db.rows("SELECT id, email, name, role, password_hash FROM users").map {
            ($0["id"], $0["email"], $0["name"], $0["role"], $0["password_hash"])
        }
    }

    /// Every remote server's id, name, host name, SSH port and user (defaults when unset).
    static func remoteServers(_ db: any SQLConnection) throws -> [(id: Int64, name: String, hostname: String, sshPort: Int, sshUser: String)] {
        try db.rows("SELECT id, name, hostname, ssh_port, ssh_user FROM servers WHERE is_local = 0").map {
            ($0["id"], $0["name"], $0["hostname"], $0["ssh_port"] ?? 22, $0["ssh_user"] ?? "root")
        }
    }

    /// The stored hashes of API tokens and backup codes: table, column, row id and hash.
    static func secretHashes(_ db: any SQLConnection) throws -> [(table: String, column: String, id: Int64, hash: String)] {
        var hashes: [(table: String, column: String, id: Int64, hash: String)] = []
        for (table, column) in [("api_tokens", "token_hash"), ("backup_codes", "code_hash")] {
            for row in try db.rows("SELECT id, \(column) AS hash FROM \(table)") {
                hashes.append((table, column, row["id"], row["hash"] ?? ""))
            }
        }
        return hashes
    }

    /// Every stored setting as it is, unknown keys included (``SettingsRepository`` reads only known ones).
    static func storedSettings(_ db: any SQLConnection) throws -> [(key: String, value: String)] {
        try db.rows("SELECT key, value FROM settings ORDER BY key").map { ($0["key"], $0["value"]) }
    }

    /// Every API token's id, name and scope.
    static func tokenNames(_ db: any SQLConnection) throws -> [(id: Int64, name: String, scope: String)] {
        try db.rows("SELECT id, name, scope FROM api_tokens").map { ($0["id"], $0["name"], $0["scope"]) }
    }

    /// Every webhook as stored.
    static func webhooks(_ db: any SQLConnection) throws -> [WebhookRepository.Webhook] {
        try WebhookRepository.all(db)
    }
}
