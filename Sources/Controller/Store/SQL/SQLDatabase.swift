/// A SQL engine holding the controller's database. Everything above the store reaches the
/// database through this protocol and ``SQLConnection``; the SQLite engine is
/// ``SQLiteDatabase``, and another engine implements the same few calls (its own migrations
/// create the same tables). The repositories write standard SQL except in three places where
/// SQLite's words are used (`json_extract`, a two-argument `MAX`, `ON CONFLICT … DO UPDATE`,
/// which PostgreSQL spells `->>`, `GREATEST` and the same).
protocol SQLDatabase: Sendable {
    /// Runs `body` on a consistent snapshot of the database. Reads run concurrently with each
    /// other and with a write; `body` cannot write.
    func read<T: Sendable>(_ body: @Sendable (any SQLConnection) throws -> T) async throws -> T

    /// ``read(_:)`` on the calling thread, which waits for it: for a short read on a change's way
    /// to the data plane, where the hop to a reader's thread and back costs a good part of the
    /// read. Not for a read that may take long, which would hold a thread of the task pool.
    func readOnThisThread<T>(_ body: (any SQLConnection) throws -> T) throws -> T

    /// Runs `body` in one transaction: it commits when `body` returns and rolls back when it
    /// throws. Writes run one at a time. When storage fails, throws a ``StorageFault``; an
    /// `essential` write (a login, a refresh, a logout) still goes through on a full disk, into
    /// the space kept in reserve for it.
    func write<T: Sendable>(essential: Bool, _ body: @Sendable (any SQLConnection) throws -> T) async throws -> T

    /// ``write(essential:_:)`` on the calling thread, which waits for it, when no other write is
    /// running or queued; queued like any write otherwise, so the caller never waits on this
    /// thread for another write. For a short write on a change's way to the data plane (a
    /// resource's create, update or delete), where the hop to the writer's thread and back costs
    /// a good part of the write. Not for a write that may take long.
    func writeOnThisThread<T: Sendable>(essential: Bool, _ body: @Sendable (any SQLConnection) throws -> T) async throws -> T

    /// A counter that moves on after each committed transaction of this process that changed a
    /// row of any of `tables` (a restore of a backup included), for as long as the database is
    /// open.
    func commitCounter(watching tables: Set<String>) -> CommitCounter

    /// The storage fault in force (a full disk, a database that cannot be written), if any.
    var storageFault: StorageFault? { get }

    /// Free bytes where the database is kept.
    var freeBytes: Int64 { get }

    /// Looks at the storage without a write (free space, writability, a checkpoint of the
    /// write-ahead log), so a fault shows and clears by itself.
    func checkStorage() async

    /// Writes a consistent copy of the whole database to the file `path`, in the backup format
    /// (a SQLite database file), while others keep reading and writing.
    func copy(to path: String) async throws

    /// In one transaction: replaces every row of `tables` (listed in an order that satisfies
    /// foreign keys) with those of the backup file at `path`, then runs `body`; nothing changes
    /// when either fails.
    func replaceTables<T: Sendable>(
        _ tables: [String], withThoseOf path: String, then body: @Sendable (any SQLConnection) throws -> T
    ) async throws -> T
}

extension SQLDatabase {
    /// A write that is not essential: refused at once while the disk is full.
    func write<T: Sendable>(_ body: @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await write(essential: false, body)
    }

    /// A short write that is not essential, on the calling thread when the writer is idle.
    func writeOnThisThread<T: Sendable>(_ body: @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await writeOnThisThread(essential: false, body)
    }
}
