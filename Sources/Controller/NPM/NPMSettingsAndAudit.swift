import Foundation
import Hummingbird
import JSONCore

/// NPM's `settings` (its one setting, `default-site`: what a name no host serves gets) over
/// PosternProxy's `default_site` and `default_site_redirect`, and NPM's `audit-log` over
/// PosternProxy's audit log (the newest 1,000 changes users made to resources, in NPM's words).
struct NPMSettingsAndAudit: Sendable {
    let settings: SettingsService
    let store: Store
    let users: UserService
    let onChange: @Sendable () -> Void

    static let defaultSite = "default-site"

    func register(on npm: RouterGroup<AppContext>) {
        npm.get("settings") { _, context in
            _ = try context.requireIdentity()
            return JSONBody.response(.array([try await defaultSite()]))
        }
        npm.get("settings/:id") { _, context in
            _ = try context.requireIdentity()
            guard context.parameters.get("id") == Self.defaultSite else { throw DomainError.notFound("setting") }
            return JSONBody.response(try await defaultSite())
        }
        npm.put("settings/:id") { request, context in
            let actor = AuditLog.Actor(try context.requireAdmin(), clientIP: context.clientIP)
            guard context.parameters.get("id") == Self.defaultSite else { throw DomainError.notFound("setting") }
            let body = try await JSONBody.object(request, context: context)
            if let unknown = try NPMValues.members(body).map(\.0).first(where: { !["value", "meta"].contains($0) }) {
                throw ValidationFailure(unknown, "is not a field of a setting")
            }
            guard let value = body["value"]?.stringValue, ["congratulations", "404", "444", "redirect", "html"].contains(value) else {
                throw ValidationFailure("value", "must be congratulations, 404, 444, redirect or html")
            }
            guard value != "html" else {
                throw ValidationFailure("value", "a default page of your own HTML is not supported: choose congratulations, 404, 444 or redirect")
            }
            var changed = false
            if value == "redirect" {
                guard let target = body["meta"]?["redirect"]?.stringValue, !target.isEmpty else {
                    throw ValidationFailure("meta.redirect", "must be the URL to redirect to")
                }
                changed = try await settings.set("default_site_redirect", to: target, by: actor).serversChanged || changed
            }
            changed = try await settings.set("default_site", to: value, by: actor).serversChanged || changed
            if changed { onChange() }
            return JSONBody.response(try await defaultSite())
        }
        npm.get("audit-log") { request, context in
            let identity = try context.requireAdmin()
            let (entries, _) = try await AuditLog.page(store, filter: AuditRepository.Filter(), page: 1, limit: 1000)
            let expandUser = NPMExpansions.asked(request).contains("user")
            var shown: [JSON] = []
            for entry in entries { if let item = try await self.shown(entry, expandUser: expandUser, identity: identity) { shown.append(item) } }
            return JSONBody.response(.array(shown))
        }
    }

    private func defaultSite() async throws -> JSON {
        let values = try await settings.all()
        let redirect = values["default_site_redirect"] ?? ""
        return .with([
            "id": Self.defaultSite, "name": "Default Site", "description": "What to show when Caddy is hit with an unknown Host",
            "value": values["default_site"] ?? "404", "meta": redirect.isEmpty ? JSON.object([]) : JSON.with(["redirect": redirect]),
        ])
    }

    /// NPM's words for PosternProxy's resource types and actions.
    private static let objectTypes = [
        "proxy_host": "proxy-host", "redirection_host": "redirection-host", "dead_host": "dead-host", "stream_host": "stream",
        "access_list": "access-list", "certificate": "certificate", "user": "user",
    ]
    private static let actions = ["create": "created", "update": "updated", "delete": "deleted", "enable": "enabled", "disable": "disabled"]

    /// An entry as NPM shows one; nil for what NPM does not log (no user, or no object: logins,
    /// settings).
    private func shown(_ entry: AuditEntry, expandUser: Bool, identity: Identity) async throws -> JSON? {
        guard let userID = entry.userID, let objectID = entry.resourceID, let objectType = Self.objectTypes[entry.resourceType] else {
            return nil
        }
        var shown = JSON.with([
            "id": entry.id, "created_on": entry.createdOn, "modified_on": entry.createdOn, "user_id": userID, "object_type": objectType,
            "object_id": objectID, "action": Self.actions[entry.action] ?? entry.action,
            "meta": (try? JSONParser.parse(Array(entry.details.utf8))).flatMap { $0.objectMembers == nil ? nil : $0 } ?? JSON.object([]),
        ])
        if expandUser { shown["user"] = (try? await users.get(userID, as: identity)).map { NPMUser.shown($0) } ?? .null }
        return shown
    }
}
