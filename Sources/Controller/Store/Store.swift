import Foundation
import GRDB

/// The controller's database: the single source of truth (SQLite through GRDB, WAL mode).
public final class Store: Sendable {
    /// Reads run concurrently; writes are serialized, each in one transaction.
    public let database: DatabasePool

    /// Opens (or creates) the database at `path` and runs the migrations. Throws when a
    /// migration fails: the controller then logs it and exits non-zero.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        database = try DatabasePool(path: path, configuration: configuration)
        try Migrations.migrator.migrate(database)
    }

    /// The local server's id.
    public func localServerID() async throws -> Int64 {
        try await database.read { db in try ServerRepository.localID(db) }
    }
}
