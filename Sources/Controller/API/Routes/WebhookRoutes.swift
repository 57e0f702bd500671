import Hummingbird
import JSONCore

/// `/api/webhooks` (admins): where notifications go (``WebhookService`` holds the rules).
struct WebhookRoutes: Sendable {
    let webhooks: WebhookService

    func register(on api: RouterGroup<AppContext>) {
        api.get("webhooks") { _, context in
            _ = try context.requireAdmin()
            let items = try await webhooks.list().map(\.json)
            return JSONBody.response(
                .with(["items": JSON.array(items), "total": items.count, "events": JSON.strings(WebhookService.subscribable)]))
        }
        api.post("webhooks") { request, context in
            let identity = try context.requireAdmin()
            let input = try await JSONBody.decode(WebhookService.Input.self, request, context: context)
            let created = try await webhooks.create(input, by: AuditLog.Actor(identity, clientIP: context.clientIP))
            return JSONBody.response(created.json, status: .created)
        }
        api.post("webhooks/:id/test") { _, context in
            let identity = try context.requireAdmin()
            let failure = try await webhooks.test(try context.pathID(), by: identity)
            return JSONBody.response(.with(["delivered": failure == nil, "error": failure.map(JSON.string) ?? .null]))
        }
        api.delete("webhooks/:id") { _, context in
            let identity = try context.requireAdmin()
            try await webhooks.delete(try context.pathID(), by: AuditLog.Actor(identity, clientIP: context.clientIP))
            return Response(status: .noContent)
        }
    }
}
