import JSONCore
import Hummingbird

/// `/api/<kind>`: list, create, read, update, delete, enable, disable. Reading needs any
/// authenticated user; changing needs an admin.
struct ResourceRoutes<Kind: ResourceKind>: Sendable {
    let service: ResourceService<Kind>
    let validation: @Sendable (Identity) async throws -> ValidationContext

    func register(on api: RouterGroup<AppContext>) {
        let group = api.group(RouterPath(Kind.path))
        group.get { request, context in
            _ = try context.requireIdentity()
            let query = QueryParameters(request: request)
            let (page, limit) = try query.paging(defaultLimit: 100)
            let result = try await service.list(serverID: try query.id("server_id"), query: try query.string("q"), page: page, limit: limit)
            return JSONBody.response(.with(["items": result.items, "total": result.total, "page": page, "limit": limit]))
        }
        group.post { request, context in
            let identity = try context.requireAdmin()
            let body = try await JSONBody.object(request, context: context)
            let created = try await service.create(
                body, validation: try await validation(identity), actor: AuditLog.Actor(identity, clientIP: context.clientIP))
            return JSONBody.response(created, status: .created)
        }
        group.get(":id") { _, context in
            _ = try context.requireIdentity()
            return JSONBody.response(try await service.get(try context.pathID()))
        }
        group.put(":id") { request, context in
            let identity = try context.requireAdmin()
            let id = try context.pathID()
            let body = try await JSONBody.object(request, context: context)
            return JSONBody.response(
                try await service.update(
                    id, body, validation: try await validation(identity), actor: AuditLog.Actor(identity, clientIP: context.clientIP)))
        }
        group.delete(":id") { _, context in
            let identity = try context.requireAdmin()
            try await service.delete(try context.pathID(), actor: AuditLog.Actor(identity, clientIP: context.clientIP))
            return Response(status: .noContent)
        }
        for (action, enabled) in [("enable", true), ("disable", false)] {
            group.post(RouterPath(":id/\(action)")) { _, context in
                let identity = try context.requireAdmin()
                return JSONBody.response(
                    try await service.setEnabled(try context.pathID(), enabled, actor: AuditLog.Actor(identity, clientIP: context.clientIP)))
            }
        }
    }
}
