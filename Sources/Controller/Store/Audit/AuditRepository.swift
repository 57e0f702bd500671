import Foundation
import GRDB

/// Every read and write of `audit_log`. Entries are written inside the transaction of the change
/// they record (``AuditLog/record(_:_:action:resourceType:resourceID:details:serverID:)``).
enum AuditRepository {
    /// What to show: every member given must match.
    struct Filter: Sendable {
        var resourceType: String?
        var action: String?
        var userID: Int64?
        var serverID: Int64?
        var from: Date?
        var to: Date?
    }

    static func insert(
        _ db: Database, actor: AuditLog.Actor, action: String, resourceType: String, resourceID: Int64?, details: String, serverID: Int64?
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO audit_log (created_on, user_id, user_email, action, resource_type, resource_id, details, client_ip, server_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [Date(), actor.userID, actor.email, action, resourceType, resourceID, details, actor.clientIP, serverID])
    }

    /// One page of the entries matching `filter`, newest first, and how many match in all.
    static func page(_ db: Database, filter: Filter, page: Int, limit: Int) throws -> (entries: [AuditEntry], total: Int) {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        let equalities: [(String, (any DatabaseValueConvertible)?)] = [
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
        let entries = try Row.fetchAll(
            db, sql: "SELECT * FROM audit_log \(clause) ORDER BY id DESC LIMIT ? OFFSET ?", arguments: arguments + [limit, (page - 1) * limit]
        ).map(AuditEntry.init)
        return (entries, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_log \(clause)", arguments: arguments) ?? 0)
    }
}
