import Foundation
import Hummingbird
import JSONCore

/// `/api/tokens`: API tokens (``TokenService`` holds the rules).
struct TokenRoutes: Sendable {
    let tokens: TokenService

    struct NewToken: Decodable {
        var name: String
        var scope: String?
    }

    func register(on api: RouterGroup<AppContext>) {
        api.get("tokens") { _, context in
            let identity = try context.requireIdentity()
            let items = try await tokens.list(for: identity).map { token -> JSON in
                .with([
                    "id": token.id, "name": token.name, "scope": token.scope, "created_on": token.createdOn.formatted(.iso8601),
                    "last_used_on": token.lastUsedOn,
                ])
            }
            return JSONBody.response(.with(["items": items, "total": items.count]))
        }
        api.post("tokens") { request, context in
            let identity = try context.requireAdmin()
            let input = try await JSONBody.decode(NewToken.self, request, context: context)
            let created = try await tokens.create(
                name: input.name, scope: input.scope, for: identity, by: AuditLog.Actor(identity, clientIP: context.clientIP))
            return JSONBody.response(
                .with(["id": created.id, "name": created.name, "scope": created.scope.rawValue, "token": created.token]), status: .created)
        }
        api.delete("tokens/:id") { _, context in
            let identity = try context.requireAdmin()
            try await tokens.revoke(try context.pathID(), as: identity, by: AuditLog.Actor(identity, clientIP: context.clientIP))
            return Response(status: .noContent)
        }
    }
}
