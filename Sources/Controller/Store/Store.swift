import Foundation

/// The controller's database: the single source of truth. Services reach it only through
/// ``SQLDatabase`` and the repositories, never through an engine's own types.
public final class Store: Sendable {
    let database: any SQLDatabase
    /// Where writers that change what browsers show (apply results, server statuses,
    /// provisioning runs, saved resources and settings) announce it after committing.
    let statusFeed = StatusFeed()
    /// Where what admins want to be told of (a server offline, a failed apply) is posted for the
    /// ``Notifier``.
    let notifications = NotificationQueue()
    /// Where the traffic in status reports waits for the ``TrafficKeeper`` to store it.
    @_spi(Benchmarks) public let traffic = TrafficLedger()
    /// Each host's traffic since the controller started, for `/metrics`; the ``TrafficKeeper``
    /// adds to it what it stores.
    let trafficSeries = TrafficSeries()
    /// Each server's desired-state parts between builds, true to this database only.
    let desiredStateParts = DesiredStateParts()
    /// Who holds each recently presented token, by the token's hash: kept until the tables a
    /// holder is read from change (a session ended, a token revoked, a user deactivated, a
    /// role or setting changed), so a request with a known token reads nothing.
    let tokenHolders: CommitBoundCache<String, SessionRepository.Holder>
    /// The settings read on hot paths, by key: kept until `settings` changes.
    let settingValues: CommitBoundCache<String, String>

    /// Opens (or creates) the SQLite database at `path` and runs the migrations. Throws when a
    /// migration fails: the controller then logs it and exits non-zero.
    public convenience init(path: String) throws {
        self.init(database: try SQLiteDatabase(path: path))
    }

    init(database: any SQLDatabase) {
        self.database = database
        tokenHolders = CommitBoundCache(commits: database.commitCounter(watching: SessionRepository.holderTables), capacity: 4_096)
        settingValues = CommitBoundCache(commits: database.commitCounter(watching: SettingsRepository.tables), capacity: 64)
    }

    /// A transaction that writes nothing, through the one writer every change goes through:
    /// how long it takes is how long a change waits for the database.
    @_spi(Benchmarks) public func emptyWrite() async throws {
        try await database.write { _ in }
    }

    /// The local server's id.
    public func localServerID() async throws -> Int64 {
        try await database.read { db in try ServerRepository.localID(db) }
    }
}
