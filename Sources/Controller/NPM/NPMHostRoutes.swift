import Hummingbird
import JSONCore

/// `/npm/api/nginx/<shape>`: NPM's list (a bare array, `query` searching, `expand`), get,
/// create, update, delete, enable and disable, each translated to and from the PosternProxy
/// resource and done by its ``ResourceService`` (same validation, transaction and audit entry).
struct NPMHostRoutes<Shape: NPMShape>: Sendable {
    let service: ResourceService<Shape.Kind>
    let expansions: NPMExpansions
    let validation: @Sendable (Identity) async throws -> ValidationContext

    func register(on nginx: RouterGroup<AppContext>) {
        let group = nginx.group(RouterPath(Shape.path))
        group.get { request, context in
            let identity = try context.requireIdentity()
            let query = QueryParameters(request: request)
            var items: [JSON] = []
            var page = 1
            while true {
                let result = try await service.list(serverID: try query.id("server_id"), query: try query.string("query"), page: page, limit: 1000)
                items += result.items
                guard items.count < result.total, !result.items.isEmpty else { break }
                page += 1
            }
            let expand = NPMExpansions.asked(request)
            let counts = try await NPMExpansions.referrerCounts(Shape.self, service)
            var shown: [JSON] = []
            for item in items { shown.append(try await self.shown(item, expand: expand, identity: identity, counts: counts)) }
            return JSONBody.response(.array(shown))
        }
        group.post { request, context in
            let identity = try context.requireAdmin()
            let body = try NPMShapes.body(Shape.self, from: try await JSONBody.object(request, context: context))
            let created = try await service.create(
                body, validation: try await validation(identity), actor: AuditLog.Actor(identity, clientIP: context.clientIP))
            return JSONBody.response(try await shown(created, expand: ["owner"], identity: identity), status: .created)
        }
        group.get(":id") { request, context in
            let identity = try context.requireIdentity()
            return JSONBody.response(
                try await shown(try await service.get(try context.pathID()), expand: NPMExpansions.asked(request), identity: identity))
        }
        if Shape.editable {
            group.put(":id") { request, context in
                let identity = try context.requireAdmin()
                let id = try context.pathID()
                let body = try NPMShapes.body(Shape.self, from: try await JSONBody.object(request, context: context))
                let updated = try await service.update(
                    id, body, validation: try await validation(identity), actor: AuditLog.Actor(identity, clientIP: context.clientIP))
                return JSONBody.response(try await shown(updated, expand: ["owner"], identity: identity))
            }
        }
        group.delete(":id") { _, context in
            let identity = try context.requireAdmin()
            try await service.delete(try context.pathID(), actor: AuditLog.Actor(identity, clientIP: context.clientIP))
            return JSONBody.response(true)
        }
        for (action, enabled) in [("enable", true), ("disable", false)] where Shape.togglable {
            group.post(RouterPath(":id/\(action)")) { _, context in
                let identity = try context.requireAdmin()
                _ = try await service.setEnabled(try context.pathID(), enabled, actor: AuditLog.Actor(identity, clientIP: context.clientIP))
                return JSONBody.response(true)
            }
        }
    }

    /// The resource as NPM shows it, with the count of proxy hosts referring to it where NPM
    /// shows one, and the expansions asked for.
    func shown(_ resource: JSON, expand: Set<String>, identity: Identity) async throws -> JSON {
        try await shown(resource, expand: expand, identity: identity, counts: try await NPMExpansions.referrerCounts(Shape.self, service))
    }

    /// The same with the counts of referring proxy hosts read already (``NPMExpansions/referrerCounts(_:_:)``).
    func shown(_ resource: JSON, expand: Set<String>, identity: Identity, counts: [Int64: Int]?) async throws -> JSON {
        let shown = NPMExpansions.counted(Shape.shown(resource, expand: expand), Shape.self, id: resource["id"], counts: counts)
        return try await expansions.expand(shown, resource: resource, asked: expand, identity: identity)
    }
}
