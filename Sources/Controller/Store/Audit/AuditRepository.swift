import Foundation

/// Every read and write of `audit_log`. Entries are written inside the transaction of the change
/// they record (``AuditLog/record(_:_:action:resourceType:resourceID:details:serverID:)``).
enum AuditRepository {
    /// What to show: every member given must match.
    struct Filter: Sendable {
        var resourceType: String?
        var action: String?
        /// Words found in the action, the resource type or the user's email, whatever their case.
        var text: String?
        var userID: Int64?
        var serverID: Int64?
        var from: Date?
        var to: Date?
    }

    static func insert(
        _ db: any SQLConnection, actor: AuditLog.Actor, action: String, resourceType: String, resourceID: Int64?, details: String, serverID: Int64?
    ) throws {
        try db.execute(
            """
            INSERT INTO audit_log (created_on, user_id, user_email, action, resource_type, resource_id, details, client_ip, server_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [Date(), actor.userID, actor.email, action, resourceType, resourceID, details, actor.clientIP, serverID])
    }

    /// One page of the entries matching `filter`, newest first, and how many match in all.
    static func page(_ db: any SQLConnection, filter: Filter, page: Int, limit: Int) throws -> (entries: [AuditEntry], total: Int) {
        var conditions: [String] = []
        var arguments: SQLArguments = []
        if let text = filter.text, !text.isEmpty {
            conditions.append(
                #"(LOWER(action) LIKE ? ESCAPE '\' OR LOWER(resource_type) LIKE ? ESCAPE '\' OR LOWER(COALESCE(user_email, '')) LIKE ? ESCAPE '\')"#)
            let pattern = SQLPattern.containing(text.lowercased())
            arguments += [pattern, pattern, pattern]
        }
        let equalities: [(String, (any SQLValueConvertible)?)] = [
            ("resource_type", filter.resourceType), ("action", filter.action), ("user_id", filter.userID), ("server_id", filter.serverID),
        ]
        for (column, value) in equalities {
            guard let value else { continue }
            conditions.append("\(column) = ?")
            arguments += [value]
        }
        if let from = filter.from {
            conditions.append("created_on >= ?")
            arguments += [from]
        }
        if let to = filter.to {
            conditions.append("created_on <= ?")
            arguments += [to]
        }
        let clause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let entries = try db.rows(
            "SELECT * FROM audit_log \(clause) ORDER BY id DESC LIMIT ? OFFSET ?", arguments + [limit, (page - 1) * limit]
        ).map(AuditEntry.init)
        return (entries, try db.value(Int.self, "SELECT COUNT(*) FROM audit_log \(clause)", arguments) ?? 0)
    }
}
