import Foundation
import JSONCore

/// Reads Nginx Proxy Manager's `database.sqlite` (its knex schema, from its first migration to
/// `trust_forwarded_proto`): every row not marked deleted, as a JSON object of its columns —
/// numbers as numbers, text as text, and the columns NPM keeps JSON in (`domain_names`, `meta`,
/// `locations`, `roles`) parsed. Nothing is judged here: a value of the wrong type stays what it
/// is, so the importer refuses that row naming the field instead of the reader stopping.
enum NPMDatabase {
    /// The tables read, and the columns of each that hold JSON.
    static let jsonColumns: [String: Set<String>] = [
        "proxy_host": ["domain_names", "meta", "locations"], "redirection_host": ["domain_names", "meta"],
        "dead_host": ["domain_names", "meta"], "stream": ["meta"], "access_list": ["meta"], "access_list_auth": ["meta"],
        "access_list_client": ["meta"], "certificate": ["domain_names", "meta"], "user": ["roles"], "auth": ["meta"],
    ]

    /// The rows of `table` not deleted, by id; none when NPM's schema at that age had no such table.
    static func rows(_ db: any SQLConnection, table: String) throws -> [JSON] {
        guard let jsonColumns = jsonColumns[table] else { return [] }
        guard try db.value(Int.self, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?", [table]) == 1 else { return [] }
        let columns = Set(try db.rows("SELECT name FROM pragma_table_info(?)", [table]).map { $0["name"] as String })
        let live = columns.contains("is_deleted") ? " WHERE is_deleted = 0" : ""
        return try db.rows("SELECT * FROM \"\(table)\"\(live) ORDER BY id", []).map { row in
            .object(
                row.columns.names.enumerated().map { index, name in
                    (name, json(row.values[index], parsed: jsonColumns.contains(name)))
                })
        }
    }

    private static func json(_ value: SQLValue, parsed: Bool) -> JSON {
        switch value {
        case .null: return .null
        case .integer(let number): return .int(Int(number))
        case .real(let number): return .double(number)
        case .blob: return .null
        case .text(let text):
            if parsed, let decoded = try? JSONParser.parse(Array(text.utf8)) { return decoded }
            return .string(text)
        }
    }
}
