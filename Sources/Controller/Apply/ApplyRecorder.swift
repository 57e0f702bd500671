import Foundation
import GRDB

/// Writes what one apply did, for the local pipeline and for agents alike: each resource's apply
/// status (applied / failed with the message), and the server's applied revision and status.
enum ApplyRecorder {
    /// One resource's outcome, keyed `<type>_<id>` as the plugins report it.
    typealias ResourceOutcome = (status: String, message: String?)

    /// - Parameters:
    ///   - resources: what the applied state held, with when each was last changed; a resource
    ///     changed since then stays pending for the next apply.
    ///   - failure: why the server could not apply at all, or nil.
    static func record(
        _ db: Database, serverID: Int64, revision: Int64, hash: String?, resources: [(id: Int64, modifiedOn: Date)],
        outcomes: [String: ResourceOutcome], failure: String?
    ) throws {
        for (id, modifiedOn) in resources {
            guard let type = try String.fetchOne(db, sql: "SELECT type FROM resources WHERE id = ?", arguments: [id]) else { continue }
            let outcome = outcomes["\(type)_\(id)"]
            let status = failure == nil ? (outcome?.status ?? "applied") : "failed"
            let message = failure.map { "the server could not apply: \($0)" } ?? outcome?.message
            try db.execute(
                sql: "UPDATE resources SET apply_status = ?, apply_message = ? WHERE id = ? AND modified_on <= ?",
                arguments: [status, message, id, modifiedOn])
        }
        if let failure {
            // A failure of a revision older than what the server runs is stale news.
            try db.execute(
                sql: "UPDATE servers SET status = 'error', last_error = ?, last_seen = ? WHERE id = ? AND applied_revision <= ?",
                arguments: [failure, Date(), serverID, revision])
        } else {
            try db.execute(
                sql: """
                    UPDATE servers SET applied_revision = MAX(applied_revision, ?),
                    applied_hash = CASE WHEN ? >= applied_revision THEN COALESCE(?, applied_hash) ELSE applied_hash END,
                    status = 'online', last_error = NULL, last_seen = ? WHERE id = ?
                    """, arguments: [revision, revision, hash, Date(), serverID])
        }
    }
}
