import Foundation
import GRDB

/// Each server's desired-state revision: it only goes up, inside the transaction of the change.
enum Revisions {
    static func bump(_ db: Database, serverID: Int64) throws {
        try db.execute(
            sql: "UPDATE servers SET desired_revision = desired_revision + 1, modified_on = ? WHERE id = ?",
            arguments: [Date(), serverID])
    }

    static func bumpAll(_ db: Database) throws {
        try db.execute(sql: "UPDATE servers SET desired_revision = desired_revision + 1, modified_on = ?", arguments: [Date()])
    }
}
