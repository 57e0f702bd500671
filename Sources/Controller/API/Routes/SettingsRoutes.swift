import Foundation
import Hummingbird
import JSONCore

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
            return JSONBody.response(
                .with(["items": values.keys.sorted().map { JSON.with(["key": $0, "value": values[$0]!]) }, "total": values.count]))
        }
        api.put("settings/:key") { request, context in
            let actor = AuditLog.Actor(try context.requireAdmin(), clientIP: context.clientIP)
            let key = context.parameters.get("key") ?? ""
            guard Settings.known[key] != nil else { throw DomainError.notFound("setting") }
            let input = try await JSONBody.decode(Change.self, request, context: context)
            let (value, serversChanged) = try await settings.set(key, to: input.value, by: actor)
            if serversChanged { onChange() }
            return JSONBody.response(.with(["key": key, "value": value]))
        }
    }
}
