import GRDB

/// The SQL of backup and restore: a consistent copy of the database, the tables a backup
/// carries put in place of this database's, and the reads that check a restored database (a
/// read-only copy, opened apart from this one) before anything is replaced.
enum BackupRepository {
    /// Tables a backup carries, in an order that satisfies foreign keys.
    static let tables = ["servers", "users", "backup_codes", "api_tokens", "resources", "resource_claims", "settings", "audit_log"]

    /// Writes a consistent copy of the database to `path`, while others keep writing.
    static func snapshot(_ db: Database, to path: String) throws {
        try db.execute(sql: "VACUUM INTO ?", arguments: [path])
    }

    /// Replaces every table a backup carries with those of the database at `path`, ends every
    /// session, and runs `then` in the same transaction (the revisions and the audit entry).
    /// Needs a connection outside a transaction: attaching is not allowed inside one.
    static func replaceAll<T>(_ db: Database, withTablesOf path: String, then: (Database) throws -> T) throws -> T {
        try db.execute(sql: "ATTACH DATABASE ? AS restored", arguments: [path])
        defer { try? db.execute(sql: "DETACH DATABASE restored") }
        var result: T?
        try db.inTransaction {
            try db.execute(sql: "DELETE FROM sessions")
            for table in tables.reversed() { try db.execute(sql: "DELETE FROM main.\(table)") }
            for table in tables { try db.execute(sql: "INSERT INTO main.\(table) SELECT * FROM restored.\(table)") }
            result = try then(db)
            return .commit
        }
        return result!
    }

    static func resourceCount(_ db: Database) throws -> Int { try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM resources") ?? 0 }
    static func userCount(_ db: Database) throws -> Int { try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users") ?? 0 }

    // MARK: - Reading a restored database

    /// The migrations the database has run; nil when it has no migrations table.
    static func appliedMigrations(_ db: Database) throws -> Set<String>? {
        guard try db.tableExists("grdb_migrations") else { return nil }
        return Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
    }

    static func localServerCount(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM servers WHERE is_local = 1") ?? 0
    }

    /// Every resource: id, type and stored payload.
    static func resources(_ db: Database) throws -> [(id: Int64, type: String, data: String)] {
        try Row.fetchAll(db, sql: "SELECT id, type, data FROM resources").map { ($0["id"], $0["type"], $0["data"]) }
    }

    /// Every user's id, email, name, role and password hash.
    static func users(_ db: Database) throws -> [(id: Int64, email: String, name: String, role: String, passwordHash: String)] {
        try Row.fetchAll(db, sql: "SELECT id, email, name, role, password_hash FROM users").map {
            ($0["id"], $0["email"], $0["name"], $0["role"], $0["password_hash"])
        }
    }

    /// Every remote server's id, name, host name, SSH port and user (defaults when unset).
    static func remoteServers(_ db: Database) throws -> [(id: Int64, name: String, hostname: String, sshPort: Int, sshUser: String)] {
        try Row.fetchAll(db, sql: "SELECT id, name, hostname, ssh_port, ssh_user FROM servers WHERE is_local = 0").map {
            ($0["id"], $0["name"], $0["hostname"], $0["ssh_port"] ?? 22, $0["ssh_user"] ?? "root")
        }
    }

    /// The stored hashes of API tokens and backup codes: table, column, row id and hash.
    static func secretHashes(_ db: Database) throws -> [(table: String, column: String, id: Int64, hash: String)] {
        var hashes: [(table: String, column: String, id: Int64, hash: String)] = []
        for (table, column) in [("api_tokens", "token_hash"), ("backup_codes", "code_hash")] {
            for row in try Row.fetchAll(db, sql: "SELECT id, \(column) AS hash FROM \(table)") {
                hashes.append((table, column, row["id"], row["hash"] ?? ""))
            }
        }
        return hashes
    }

    /// Every stored setting as it is, unknown keys included (``SettingsRepository`` reads only known ones).
    static func storedSettings(_ db: Database) throws -> [(key: String, value: String)] {
        try Row.fetchAll(db, sql: "SELECT key, value FROM settings ORDER BY key").map { ($0["key"], $0["value"]) }
    }

    /// Every API token's id and name.
    static func tokenNames(_ db: Database) throws -> [(id: Int64, name: String)] {
        try Row.fetchAll(db, sql: "SELECT id, name FROM api_tokens").map { ($0["id"], $0["name"]) }
    }
}
