import Foundation
import GRDB

/// Every read and write of `api_tokens` made through the API (the check of a presented token,
/// which also stamps `last_used_on`, is ``Sessions``'s).
enum TokenRepository {
    /// A token as its owner sees it: never its hash.
    struct Listing: Sendable, Equatable {
        var id: Int64
        var name: String
        var createdOn: Date
        var lastUsedOn: Date?
    }

    static func list(_ db: Database, userID: Int64) throws -> [Listing] {
        try Row.fetchAll(db, sql: "SELECT id, name, created_on, last_used_on FROM api_tokens WHERE user_id = ? ORDER BY id", arguments: [userID])
            .map { Listing(id: $0["id"], name: $0["name"], createdOn: $0["created_on"], lastUsedOn: $0["last_used_on"]) }
    }

    /// Stores a token's hash for `userID`; returns its id.
    static func insert(_ db: Database, userID: Int64, name: String, tokenHash: String) throws -> Int64 {
        try db.execute(
            sql: "INSERT INTO api_tokens (user_id, name, token_hash, created_on) VALUES (?, ?, ?, ?)", arguments: [userID, name, tokenHash, Date()])
        return db.lastInsertedRowID
    }

    static func owner(_ db: Database, id: Int64) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT user_id FROM api_tokens WHERE id = ?", arguments: [id])
    }

    static func delete(_ db: Database, id: Int64) throws {
        try db.execute(sql: "DELETE FROM api_tokens WHERE id = ?", arguments: [id])
    }
}
