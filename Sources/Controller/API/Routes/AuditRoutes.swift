import Foundation
import GRDB
import Hummingbird

/// `GET /api/audit-log`: filters by resource type, action, user, date range and
/// server; 50 per page, newest first.
struct AuditRoutes: Sendable {
    let store: Store
    static let pageSize = 50

    func register(on api: RouterGroup<AppContext>) {
        api.get("audit-log") { request, context in
            _ = try context.requireIdentity()
            let query = QueryParameters(request: request)
            let page = try query.int("page", default: 1, range: 1...1_000_000)
            var conditions: [String] = []
            var arguments: StatementArguments = []
            for (name, column) in [("resource_type", "resource_type"), ("action", "action")] {
                if let value = try query.string(name, maxLength: 64) {
                    conditions.append("\(column) = ?")
                    arguments += [value]
                }
            }
            for (name, column) in [("user_id", "user_id"), ("server_id", "server_id")] {
                if let value = try query.id(name) {
                    conditions.append("\(column) = ?")
                    arguments += [value]
                }
            }
            for (name, comparison) in [("from", ">="), ("to", "<=")] {
                if let text = request.uri.queryParameters[name[...]].map(String.init) {
                    guard let date = ISO8601DateFormatter().date(from: text) else {
                        throw APIError.invalid(field: name, "must be an ISO 8601 date-time (2026-01-31T00:00:00Z)")
                    }
                    conditions.append("created_on \(comparison) ?")
                    arguments += [date]
                }
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let filterArguments = arguments
            let (rows, total) = try await store.database.read { db in
                (
                    try Row.fetchAll(
                        db, sql: "SELECT * FROM audit_log \(filter) ORDER BY id DESC LIMIT ? OFFSET ?",
                        arguments: filterArguments + [Self.pageSize, (page - 1) * Self.pageSize]
                    ).map(AuditEntry.init),
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_log \(filter)", arguments: filterArguments) ?? 0
                )
            }
            return JSONBody.response(["items": rows.map(\.json), "total": total, "page": page, "limit": Self.pageSize])
        }
    }
}

/// One audit log row.
struct AuditEntry: Sendable {
    var id: Int64, createdOn: Date, userID: Int64?, userEmail: String?, action: String, resourceType: String
    var resourceID: Int64?, details: String, clientIP: String?, serverID: Int64?

    init(row: Row) {
        id = row["id"]
        createdOn = row["created_on"]
        userID = row["user_id"]
        userEmail = row["user_email"]
        action = row["action"]
        resourceType = row["resource_type"]
        resourceID = row["resource_id"]
        details = row["details"]
        clientIP = row["client_ip"]
        serverID = row["server_id"]
    }

    var json: [String: Any] {
        [
            "id": id, "created_on": createdOn.formatted(.iso8601), "user_id": userID ?? NSNull(), "user_email": userEmail ?? NSNull(),
            "action": action, "resource_type": resourceType, "resource_id": resourceID ?? NSNull(),
            "details": (try? JSONSerialization.jsonObject(with: Data(details.utf8))) ?? [:], "client_ip": clientIP ?? NSNull(),
            "server_id": serverID ?? NSNull(),
        ]
    }
}
