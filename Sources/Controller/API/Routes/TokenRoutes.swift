import Foundation
import GRDB
import Hummingbird

/// `/api/tokens`: API tokens, shown once, stored hashed, with the rights of their user.
/// Admins create and revoke their own; they may also revoke anyone's.
struct TokenRoutes: Sendable {
    let store: Store

    struct NewToken: Decodable { var name: String }

    func register(on api: RouterGroup<AppContext>) {
        api.get("tokens") { _, context in
            let identity = try context.requireIdentity()
            let rows = try await store.database.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT id, name, created_on, last_used_on FROM api_tokens WHERE user_id = ? ORDER BY id", arguments: [identity.userID]
                )
                .map { row -> [String: String] in
                    var item = [
                        "id": String(row["id"] as Int64), "name": row["name"] as String,
                        "created_on": (row["created_on"] as Date).formatted(.iso8601),
                    ]
                    if let used = row["last_used_on"] as Date? { item["last_used_on"] = used.formatted(.iso8601) }
                    return item
                }
            }
            let items: [[String: Any]] = rows.map { row in
                var item: [String: Any] = row
                item["id"] = Int64(row["id"]!)
                item["last_used_on"] = row["last_used_on"] ?? NSNull()
                return item
            }
            return JSONBody.response(["items": items, "total": items.count])
        }
        api.post("tokens") { request, context in
            let identity = try context.requireAdmin()
            let input = try JSONBody.decode(NewToken.self, from: try await JSONBody.object(request, context: context), allowed: ["name"])
            let name: String
            do { name = try FieldRules.text(input.name, field: "name", maxLength: 100) } catch { throw APIError.invalid(error) }
            let token = Secrets.token(prefix: "ppt_")
            let id = try await store.database.write { db -> Int64 in
                try db.execute(
                    sql: "INSERT INTO api_tokens (user_id, name, token_hash, created_on) VALUES (?, ?, ?, ?)",
                    arguments: [identity.userID, name, Secrets.tokenHash(token), Date()])
                let id = db.lastInsertedRowID
                try AuditLog.record(
                    db, AuditLog.Actor(identity, clientIP: context.clientIP), action: "create", resourceType: "token", resourceID: id,
                    details: ["name": name])
                return id
            }
            return JSONBody.response(["id": id, "name": name, "token": token], status: .created)
        }
        api.delete("tokens/:id") { _, context in
            let identity = try context.requireAdmin()
            let id = try context.pathID()
            try await store.database.write { db in
                guard let owner = try Int64.fetchOne(db, sql: "SELECT user_id FROM api_tokens WHERE id = ?", arguments: [id]) else {
                    throw APIError.notFound("token")
                }
                guard owner == identity.userID || identity.isAdmin else { throw APIError.notFound("token") }
                try db.execute(sql: "DELETE FROM api_tokens WHERE id = ?", arguments: [id])
                try AuditLog.record(db, AuditLog.Actor(identity, clientIP: context.clientIP), action: "delete", resourceType: "token", resourceID: id)
            }
            return Response(status: .noContent)
        }
    }
}
