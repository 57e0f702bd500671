import Foundation
import Hummingbird

/// `/api/settings`: every setting with its value; admins change one at a time
/// (``SettingsService`` holds the rules).
struct SettingsRoutes: Sendable {
    let settings: SettingsService
    let onChange: @Sendable () -> Void

    struct Change: Decodable { var value: String }

    func register(on api: RouterGroup<AppContext>) {
        api.get("settings") { _, context in
            _ = try context.requireIdentity()
            let values = try await settings.all()
            return JSONBody.response(["items": values.keys.sorted().map { ["key": $0, "value": values[$0]!] }, "total": values.count])
        }
        api.put("settings/:key") { request, context in
            let actor = AuditLog.Actor(try context.requireAdmin(), clientIP: context.clientIP)
            let key = context.parameters.get("key") ?? ""
            guard Settings.known[key] != nil else { throw DomainError.notFound("setting") }
            let input = try JSONBody.decode(Change.self, from: try await JSONBody.object(request, context: context), allowed: ["value"])
            let (value, serversChanged) = try await settings.set(key, to: input.value, by: actor)
            if serversChanged { onChange() }
            return JSONBody.response(["key": key, "value": value])
        }
    }
}
