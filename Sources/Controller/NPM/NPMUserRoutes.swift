import Hummingbird
import JSONCore

/// NPM's users under `/npm/api/users` over ``UserService``: the caller's own and all (above),
/// one, create (with its password in `auth`, as PosternProxy creates every user with one),
/// update, delete, a password change (`{id}/auth`) and permissions (`{id}/permissions`: NPM's
/// levels map onto the two roles, manage everything = admin, view everything = viewer; anything
/// finer is refused saying so). NPM's `roles` holds `admin` or nothing; `nickname` is the name.
struct NPMUserRoutes: Sendable {
    let users: UserService

    func register(on npm: RouterGroup<AppContext>) {
        npm.get("users/:id") { request, context in
            let identity = try context.requireIdentity()
            let user = try await users.get(try Self.userID(context, identity), as: identity)
            return JSONBody.response(NPMUser.shown(user, permissions: NPMExpansions.asked(request).contains("permissions")))
        }
        npm.post("users") { request, context in
            let identity = try context.requireAdmin()
            let body = try await JSONBody.object(request, context: context)
            var changes = try Self.changes(body, allowed: ["name", "nickname", "email", "roles", "is_disabled", "auth"])
            guard let auth = body["auth"] else { throw ValidationFailure("auth.secret", "is required: every PosternProxy user has a password") }
            changes.password = try Self.password(auth)
            changes.role = changes.role ?? "viewer"
            let created = try await users.create(changes, by: AuditLog.Actor(identity, clientIP: context.clientIP))
            return JSONBody.response(NPMUser.shown(created, permissions: true), status: .created)
        }
        npm.put("users/:id") { request, context in
            let identity = try context.requireAdmin()
            let changes = try Self.changes(
                try await JSONBody.object(request, context: context), allowed: ["name", "nickname", "email", "roles", "is_disabled"])
            let updated = try await users.update(
                try Self.userID(context, identity), changes, by: AuditLog.Actor(identity, clientIP: context.clientIP))
            return JSONBody.response(NPMUser.shown(updated, permissions: true))
        }
        npm.delete("users/:id") { _, context in
            let identity = try context.requireAdmin()
            try await users.delete(try Self.userID(context, identity), by: AuditLog.Actor(identity, clientIP: context.clientIP))
            return JSONBody.response(true)
        }
        npm.put("users/:id/auth") { request, context in
            let identity = try context.requireIdentity()
            let id = try Self.userID(context, identity)
            let body = try await JSONBody.object(request, context: context)
            let password = try Self.password(body)
            let actor = AuditLog.Actor(identity, clientIP: context.clientIP)
            if id == identity.userID {
                guard let current = body["current"]?.stringValue else {
                    throw ValidationFailure("current", "is required to change one's own password")
                }
                try await users.changeOwnPassword(userID: id, sessionID: identity.sessionID, current: current, to: password, by: actor)
            } else {
                guard identity.isAdmin else { throw DomainError.forbidden("this action needs the admin role") }
                _ = try await users.update(id, UserService.Changes(password: password), by: actor)
            }
            return JSONBody.response(true)
        }
        npm.put("users/:id/permissions") { request, context in
            let identity = try context.requireAdmin()
            let body = try await JSONBody.object(request, context: context)
            let levels = Set((body.objectMembers ?? []).filter { $0.0 != "visibility" }.compactMap(\.1.stringValue))
            let level = levels.first ?? "view"
            guard body["visibility"].map({ $0 == "all" }) ?? true, levels.count <= 1, ["manage", "view"].contains(level) else {
                throw ValidationFailure(
                    "permissions",
                    "PosternProxy has two roles: manage everything (admin) or view everything (viewer); set every section to one of them with visibility all"
                )
            }
            _ = try await users.update(
                try Self.userID(context, identity), UserService.Changes(role: level == "manage" ? "admin" : "viewer"),
                by: AuditLog.Actor(identity, clientIP: context.clientIP))
            return JSONBody.response(true)
        }
    }

    /// The `:id` of the path; `me` is the caller.
    private static func userID(_ context: AppContext, _ identity: Identity) throws -> Int64 {
        if context.parameters.get("id") == "me" { return identity.userID }
        return try context.pathID()
    }

    /// NPM's user fields as ``UserService/Changes``: `name` (or `nickname` when it comes alone),
    /// `email`, `roles` (`admin` or none), `is_disabled`.
    private static func changes(_ body: JSON, allowed: Set<String>) throws -> UserService.Changes {
        var changes = UserService.Changes()
        for (name, value) in try NPMValues.members(body) {
            guard allowed.contains(name) else { throw ValidationFailure(name, "is not a field of an NPM user") }
            switch name {
            case "name": changes.name = try text(value, field: name)
            case "nickname": if changes.name == nil { changes.name = try text(value, field: name) }
            case "email": changes.email = try text(value, field: name)
            case "roles":
                guard let roles = value.arrayValue, roles.allSatisfy({ $0 == "admin" }) else {
                    throw ValidationFailure("roles", "must be [\"admin\"] or []")
                }
                changes.role = roles.isEmpty ? "viewer" : "admin"
            case "is_disabled": changes.active = try !NPMValues.flag(value, field: name)
            default: break
            }
        }
        return changes
    }

    private static func password(_ auth: JSON) throws -> String {
        guard auth["type"] == "password" else { throw ValidationFailure("auth.type", "must be password") }
        guard let secret = auth["secret"]?.stringValue, !secret.isEmpty else { throw ValidationFailure("auth.secret", "must be the password") }
        return secret
    }

    private static func text(_ value: JSON, field: String) throws -> String {
        guard let text = value.stringValue else { throw ValidationFailure(field, "must be a string") }
        return text
    }
}
