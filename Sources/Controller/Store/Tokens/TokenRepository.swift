import Foundation

/// Every read and write of `api_tokens` made through the API (the check of a presented token,
/// which also stamps `last_used_on`, is ``Sessions``'s).
enum TokenRepository {
    /// A token as its owner sees it: never its hash.
    struct Listing: Sendable, Equatable {
        var id: Int64
        var name: String
        var scope: String
        var createdOn: Date
        var lastUsedOn: Date?
    }

    static func list(_ db: any SQLConnection, userID: Int64) throws -> [Listing] {
        try db.rows("SELECT id, name, scope, created_on, last_used_on FROM api_tokens WHERE user_id = ? ORDER BY id", [userID])
            .map { Listing(id: $0["id"], name: $0["name"], scope: $0["scope"], createdOn: $0["created_on"], lastUsedOn: $0["last_used_on"]) }
    }

    /// Stores a token's hash for `userID`; returns its id.
    static func insert(_ db: any SQLConnection, userID: Int64, name: String, scope: String, tokenHash: String) throws -> Int64 {
        try db.execute(
            "INSERT INTO api_tokens (user_id, name, scope, token_hash, created_on) VALUES (?, ?, ?, ?, ?)",
            [userID, name, scope, tokenHash, Date()])
        return db.lastInsertedID
    }

    static func owner(_ db: any SQLConnection, id: Int64) throws -> Int64? {
        try db.value(Int64.self, "SELECT user_id FROM api_tokens WHERE id = ?", [id])
    }

    static func delete(_ db: any SQLConnection, id: Int64) throws {
        try db.execute("DELETE FROM api_tokens WHERE id = ?", [id])
    }
}
