import Foundation
import GRDB
import Hummingbird

/// `/api/users`: admins manage accounts; everyone changes their own password.
/// Deactivating a user ends their sessions at once (and their API tokens stop working, since every
/// check reads `active`); deleting one deletes their sessions and tokens; nobody deletes,
/// deactivates or demotes themselves. A user's sessions can be listed and ended everywhere, by
/// the user or an admin.
struct UserRoutes: Sendable {
    let store: Store
    let sessions: Sessions
    /// The current password before a change of one's own (counted like wrong logins).
    let passwords: PasswordConfirmation

    struct NewUser: Decodable {
        var email: String
        var name: String
        var password: String
        var role: String
        var active: Bool?
    }

    struct UserChange: Decodable {
        var email: String?
        var name: String?
        var password: String?
        var role: String?
        var active: Bool?
    }

    struct PasswordChange: Decodable {
        var current_password: String
        var new_password: String
    }

    func register(on api: RouterGroup<AppContext>) {
        api.get("users") { request, context in
            _ = try context.requireAdmin()
            let (page, limit) = try QueryParameters(request: request).paging(defaultLimit: 100)
            let (users, total) = try await store.database.read { db in
                (
                    try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY id LIMIT ? OFFSET ?", arguments: [limit, (page - 1) * limit]).map(
                        UserRecord.init),
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users") ?? 0
                )
            }
            return JSONBody.response(["items": users.map(\.json), "total": total, "page": page, "limit": limit])
        }
        api.post("users") { request, context in
            let identity = try context.requireAdmin()
            let input = try JSONBody.decode(
                NewUser.self, from: try await JSONBody.object(request, context: context),
                allowed: ["email", "name", "password", "role", "active"])
            let email: String, name: String, role: Identity.Role
            do {
                email = try FieldRules.email(input.email, field: "email")
                name = try FieldRules.text(input.name, field: "name")
                _ = try FieldRules.password(input.password, field: "password")
                guard let parsed = Identity.Role(rawValue: input.role) else { throw ValidationFailure("role", "must be admin or viewer") }
                role = parsed
            } catch { throw APIError.invalid(error) }
            let hash = try await Secrets.hashPassword(input.password)
            let user = try await store.database.write { db -> UserRecord in
                guard try UserRecord.fetch(db, email: email) == nil else { throw APIError.conflict(field: "email", "a user with this email exists") }
                let now = Date()
                try db.execute(
                    sql: "INSERT INTO users (email, name, password_hash, role, active, created_on, modified_on) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    arguments: [email, name, hash, role.rawValue, input.active ?? true, now, now])
                let id = db.lastInsertedRowID
                try AuditLog.record(
                    db, AuditLog.Actor(identity, clientIP: context.clientIP), action: "create", resourceType: "user", resourceID: id,
                    details: ["email": email, "role": role.rawValue])
                return try UserRecord.fetch(db, id: id)!
            }
            return JSONBody.response(user.json, status: .created)
        }
        api.get("users/:id") { _, context in
            let identity = try context.requireIdentity()
            let id = try context.pathID()
            guard identity.isAdmin || identity.userID == id else { throw APIError.forbidden("viewers see only their own account") }
            guard let user = try await store.database.read({ db in try UserRecord.fetch(db, id: id) }) else { throw APIError.notFound("user") }
            return JSONBody.response(user.json)
        }
        api.put("users/:id") { request, context in
            let identity = try context.requireAdmin()
            let id = try context.pathID()
            let input = try JSONBody.decode(
                UserChange.self, from: try await JSONBody.object(request, context: context),
                allowed: ["email", "name", "password", "role", "active"])
            let email: String?, name: String?, role: Identity.Role?
            do {
                email = try input.email.map { try FieldRules.email($0, field: "email") }
                name = try input.name.map { try FieldRules.text($0, field: "name") }
                _ = try input.password.map { try FieldRules.password($0, field: "password") }
                role = try input.role.map { value throws(ValidationFailure) in
                    guard let role = Identity.Role(rawValue: value) else { throw ValidationFailure("role", "must be admin or viewer") }
                    return role
                }
            } catch { throw APIError.invalid(error) }
            if id == identity.userID, role == .viewer || input.active == false {
                throw APIError.forbidden("you cannot demote or deactivate your own account")
            }
            let hash: String? = if let password = input.password { try await Secrets.hashPassword(password) } else { nil }
            let user = try await store.database.write { db -> UserRecord in
                guard var user = try UserRecord.fetch(db, id: id) else { throw APIError.notFound("user") }
                if let email, email != user.email {
                    guard try UserRecord.fetch(db, email: email) == nil else {
                        throw APIError.conflict(field: "email", "a user with this email exists")
                    }
                    user.email = email
                }
                user.name = name ?? user.name
                user.role = role ?? user.role
                user.active = input.active ?? user.active
                try db.execute(
                    sql:
                        "UPDATE users SET email = ?, name = ?, role = ?, active = ?, password_hash = COALESCE(?, password_hash), modified_on = ? WHERE id = ?",
                    arguments: [user.email, user.name, user.role.rawValue, user.active, hash, Date(), id])
                if !user.active || hash != nil {
                    // Deactivation, or a password reset, ends every session of the user at once.
                    try db.execute(sql: "DELETE FROM sessions WHERE user_id = ?", arguments: [id])
                }
                var details: [String: Any] = [
                    "fields": [
                        input.email.map { _ in "email" }, input.name.map { _ in "name" }, input.role.map { _ in "role" },
                        input.active.map { _ in "active" }, input.password.map { _ in "password" },
                    ].compactMap { $0 }
                ]
                if let active = input.active { details["active"] = active }
                try AuditLog.record(
                    db, AuditLog.Actor(identity, clientIP: context.clientIP), action: "update", resourceType: "user", resourceID: id, details: details
                )
                return try UserRecord.fetch(db, id: id)!
            }
            return JSONBody.response(user.json)
        }
        api.delete("users/:id") { _, context in
            let identity = try context.requireAdmin()
            let id = try context.pathID()
            guard id != identity.userID else { throw APIError.forbidden("nobody deletes their own account") }
            try await store.database.write { db in
                guard let user = try UserRecord.fetch(db, id: id) else { throw APIError.notFound("user") }
                try db.execute(sql: "DELETE FROM users WHERE id = ?", arguments: [id])
                try AuditLog.record(
                    db, AuditLog.Actor(identity, clientIP: context.clientIP), action: "delete", resourceType: "user", resourceID: id,
                    details: ["email": user.email])
            }
            return Response(status: .noContent)
        }
        api.put("users/me/password") { request, context in
            let identity = try context.requireIdentity()
            let input = try JSONBody.decode(
                PasswordChange.self, from: try await JSONBody.object(request, context: context),
                allowed: ["current_password", "new_password"])
            do { _ = try FieldRules.password(input.new_password, field: "new_password") } catch { throw APIError.invalid(error) }
            _ = try await passwords.confirm(userID: identity.userID, password: input.current_password, field: "current_password")
            let hash = try await Secrets.hashPassword(input.new_password)
            try await store.database.write { db in
                try db.execute(sql: "UPDATE users SET password_hash = ?, modified_on = ? WHERE id = ?", arguments: [hash, Date(), identity.userID])
                // Other sessions end; this one stays.
                try db.execute(sql: "DELETE FROM sessions WHERE user_id = ? AND id IS NOT ?", arguments: [identity.userID, identity.sessionID])
                try AuditLog.record(
                    db, AuditLog.Actor(identity, clientIP: context.clientIP), action: "change_password", resourceType: "user",
                    resourceID: identity.userID)
            }
            return JSONBody.response(["changed": true])
        }
        api.get("users/:id/sessions") { _, context in
            let identity = try context.requireIdentity()
            let id = try context.pathID()
            guard identity.isAdmin || identity.userID == id else { throw APIError.forbidden("viewers see only their own sessions") }
            guard try await store.database.read({ db in try UserRecord.fetch(db, id: id) }) != nil else { throw APIError.notFound("user") }
            let items = try await sessions.list(userID: id).map { session -> [String: Any] in
                [
                    "id": session.id, "created_on": session.createdOn.formatted(.iso8601), "refreshed_on": session.refreshedOn.formatted(.iso8601),
                    "client_ip": session.client.ip, "user_agent": session.client.userAgent, "current": session.id == identity.sessionID,
                ]
            }
            return JSONBody.response(["items": items, "total": items.count])
        }
        api.delete("users/:id/sessions") { _, context in
            let identity = try context.requireIdentity()
            let id = try context.pathID()
            guard identity.isAdmin || identity.userID == id else { throw APIError.forbidden("only an admin signs out another user") }
            let ended = try await store.database.write { db -> Int in
                guard try UserRecord.fetch(db, id: id) != nil else { throw APIError.notFound("user") }
                let ended = try sessions.endAll(userID: id, in: db)
                try AuditLog.record(
                    db, AuditLog.Actor(identity, clientIP: context.clientIP), action: "end_sessions", resourceType: "user", resourceID: id,
                    details: ["sessions": ended])
                return ended
            }
            var response = JSONBody.response(["ended": ended])
            // Signing oneself out everywhere includes this browser.
            if id == identity.userID, case .sessionCookie = identity.credential { SessionCookies.clear(secure: context.isSecure, on: &response) }
            return response
        }
    }
}
