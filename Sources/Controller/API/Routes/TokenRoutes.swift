import Foundation
import Hummingbird

/// `/api/tokens`: API tokens (``TokenService`` holds the rules).
struct TokenRoutes: Sendable {
    let tokens: TokenService

    struct NewToken: Decodable { var name: String }

    func register(on api: RouterGroup<AppContext>) {
        api.get("tokens") { _, context in
            let identity = try context.requireIdentity()
            let items = try await tokens.list(for: identity).map { token -> [String: Any] in
                [
                    "id": token.id, "name": token.name, "created_on": token.createdOn.formatted(.iso8601),
                    "last_used_on": token.lastUsedOn.map { $0.formatted(.iso8601) } ?? NSNull(),
                ]
            }
            return JSONBody.response(["items": items, "total": items.count])
        }
        api.post("tokens") { request, context in
            let identity = try context.requireAdmin()
            let input = try JSONBody.decode(NewToken.self, from: try await JSONBody.object(request, context: context), allowed: ["name"])
            let created = try await tokens.create(name: input.name, for: identity, by: AuditLog.Actor(identity, clientIP: context.clientIP))
            return JSONBody.response(["id": created.id, "name": created.name, "token": created.token], status: .created)
        }
        api.delete("tokens/:id") { _, context in
            let identity = try context.requireAdmin()
            try await tokens.revoke(try context.pathID(), as: identity, by: AuditLog.Actor(identity, clientIP: context.clientIP))
            return Response(status: .noContent)
        }
    }
}
