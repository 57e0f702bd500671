import Foundation
import GRDB
import Synchronization

/// The controller's database in one SQLite file, through GRDB: WAL mode, so reads run beside
/// the one writer; foreign keys enforced; a writer waits up to 10 seconds for a lock; the
/// write-ahead log truncated back to 64 MiB after a checkpoint. Writes pass a ``StorageGuard``.
/// Opened read-only when the file cannot be written at start.
final class SQLiteDatabase: SQLDatabase {
    private let pool: DatabasePool
    private let storage: StorageGuard
    /// The region observations behind the counters handed out, kept as long as the database.
    private let observations = Mutex<[AnyDatabaseCancellable]>([])
    /// Writes running or queued for GRDB's writer (transactions, checkpoints, copies, restores):
    /// ``writeOnThisThread(essential:_:)`` writes on its caller's thread only when there are none.
    private let writesUnderway = Atomic<Int>(0)

    /// Opens (or creates) the database at `path` and runs the migrations. Throws when a
    /// migration fails: the controller then logs it and exits non-zero.
    init(path: String) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        // A database that cannot be written at start is opened read-only: reads, health and the
        // UI's banner work, every write is refused with the reason; it can be written again only
        // after a restart. Unless it needs a migration, which cannot run.
        let writable = !FileManager.default.fileExists(atPath: path) || access(path, W_OK) == 0
        storage = StorageGuard(databasePath: path, openedReadOnly: !writable)
        configuration.readonly = !writable
        if writable { configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_size_limit = 67108864") } }
        pool = try DatabasePool(path: path, configuration: configuration)
        if writable {
            try Migrations.migrator.migrate(pool)
        } else {
            guard try pool.read({ db in try Migrations.migrator.hasCompletedMigrations(db) }) else {
                throw StorageFault.notWritable(reason: "\(path) cannot be written and needs migrating: make it writable and start again")
            }
            try? storage.admit(essential: true)  // records the fault for health and the banner
        }
    }

    func read<T: Sendable>(_ body: @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await pool.read { db in try body(SQLiteConnection(db)) }
    }

    func readOnThisThread<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try pool.read { db in try body(SQLiteConnection(db)) }
    }

    func write<T: Sendable>(essential: Bool, _ body: @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try storage.admit(essential: essential)
        return try await countedAsWrite {
            do {
                return try await guarded { try await pool.write { db in try body(SQLiteConnection(db)) } }
            } catch StorageFault.full where essential {
                // The reserve was just given back to the disk: an essential write tries once more.
                return try await guarded { try await pool.write { db in try body(SQLiteConnection(db)) } }
            }
        }
    }

    /// Runs `use` of GRDB's writer counted in ``writesUnderway`` while it waits and runs.
    private func countedAsWrite<T>(_ use: () async throws -> T) async rethrows -> T {
        writesUnderway.add(1, ordering: .acquiring)
        defer { writesUnderway.subtract(1, ordering: .releasing) }
        return try await use()
    }

    func writeOnThisThread<T: Sendable>(essential: Bool, _ body: @Sendable (any SQLConnection) throws -> T) async throws -> T {
        guard writesUnderway.compareExchange(expected: 0, desired: 1, ordering: .acquiring).exchanged else {
            return try await write(essential: essential, body)
        }
        defer { writesUnderway.subtract(1, ordering: .releasing) }
        try storage.admit(essential: essential)
        do {
            return try writeNow(body)
        } catch StorageFault.full where essential {
            return try writeNow(body)
        }
    }

    /// One transaction of `body` through GRDB's synchronous write, which runs it on this thread
    /// when the writer's queue is idle.
    private func writeNow<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        do {
            return try pool.write { db in try body(SQLiteConnection(db)) }
        } catch {
            throw storageFault(revealedBy: error) ?? error
        }
    }

    /// Runs `write`, turning an engine error about storage into the ``StorageFault`` it reveals.
    private func guarded<T>(_ write: () async throws -> T) async throws -> T {
        do {
            return try await write()
        } catch {
            throw storageFault(revealedBy: error) ?? error
        }
    }

    /// The ``StorageFault`` an engine error reveals (recorded by the guard), or nil when the
    /// error is not about storage.
    private func storageFault(revealedBy error: any Error) -> StorageFault? {
        guard let error = error as? DatabaseError else { return nil }
        return storage.fault(fromResultCode: error.resultCode.primaryResultCode.rawValue, message: error.message ?? "\(error)")
    }

    /// Counted by a GRDB region observation, which sees every row a transaction changes (it
    /// turns off SQLite's truncate optimization for a watched table) and reports at commit.
    func commitCounter(watching tables: Set<String>) -> CommitCounter {
        let counter = CommitCounter()
        let observation = DatabaseRegionObservation(tracking: tables.sorted().map { Table($0) })
        let cancellable = observation.start(in: pool, onError: { _ in counter.becomeBlind() }) { _ in counter.advance() }
        // GRDB watches a table that does not exist without complaint, and would never count:
        // a counter over one is blind, and caches by it keep nothing.
        let exist = (try? pool.read { db in try tables.allSatisfy { try db.tableExists($0) } }) ?? false
        if !exist { counter.becomeBlind() }
        observations.withLock { $0.append(cancellable) }
        return counter
    }

    var storageFault: StorageFault? { storage.current }

    var freeBytes: Int64 { storage.freeBytes() }

    func checkStorage() async {
        var checkpointError: String?
        do {
            try await countedAsWrite { try await pool.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) } }
        } catch let error as DatabaseError {
            checkpointError = error.message ?? "\(error)"
        } catch {
            checkpointError = "\(error)"
        }
        storage.check(checkpointError: checkpointError)
    }

    func copy(to path: String) async throws {
        try await countedAsWrite { try await pool.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [path]) } }
    }

    /// Attaches the backup file (which SQLite allows only outside a transaction), then copies
    /// its tables in one transaction.
    func replaceTables<T: Sendable>(
        _ tables: [String], withThoseOf path: String, then body: @Sendable (any SQLConnection) throws -> T
    ) async throws -> T {
        try await countedAsWrite {
            try await pool.writeWithoutTransaction { db in
                try db.execute(sql: "ATTACH DATABASE ? AS restored", arguments: [path])
                defer { try? db.execute(sql: "DETACH DATABASE restored") }
                var result: T?
                try db.inTransaction {
                    for table in tables.reversed() { try db.execute(sql: "DELETE FROM main.\(table)") }
                    for table in tables { try db.execute(sql: "INSERT INTO main.\(table) SELECT * FROM restored.\(table)") }
                    result = try body(SQLiteConnection(db))
                    return .commit
                }
                return result!
            }
        }
    }
}

/// Another installation's database file (a backup to restore, an NPM installation to import),
/// opened read-only.
struct SQLiteFile {
    private let queue: DatabaseQueue

    init(path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        queue = try DatabaseQueue(path: path, configuration: configuration)
    }

    /// The migrations the file's database has run; nil when it has no migrations table.
    func appliedMigrations() throws -> Set<String>? {
        try queue.read { db in
            guard try db.tableExists("grdb_migrations") else { return nil }
            return Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
        }
    }

    /// The migrations this controller runs: a restored backup must have run exactly these.
    static var knownMigrations: Set<String> { Set(Migrations.migrator.migrations) }

    /// Runs on the database file at `path` the migrations it has not run yet.
    static func migrate(_ path: String) throws {
        try Migrations.migrator.migrate(try DatabaseQueue(path: path))
    }

    func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try queue.read { db in try body(SQLiteConnection(db)) }
    }
}
