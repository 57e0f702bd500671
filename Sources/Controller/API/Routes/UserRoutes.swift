import Foundation
import Hummingbird
import JSONCore

/// `/api/users`: admins manage accounts; everyone changes their own password and lists or ends
/// their own sessions (``UserService`` holds the rules).
struct UserRoutes: Sendable {
    let users: UserService
    let sessions: Sessions

    struct PasswordChange: Decodable {
        var current_password: String
        var new_password: String
    }

    func register(on api: RouterGroup<AppContext>) {
        api.get("users") { request, context in
            _ = try context.requireAdmin()
            let (page, limit) = try QueryParameters(request: request).paging(defaultLimit: 100)
            let (list, total) = try await users.page(page, limit: limit)
            return JSONBody.response(.with(["items": list.map(\.json), "total": total, "page": page, "limit": limit]))
        }
        api.post("users") { request, context in
            let actor = AuditLog.Actor(try context.requireAdmin(), clientIP: context.clientIP)
            let changes = try await JSONBody.decode(UserService.Changes.self, request, context: context)
            return JSONBody.response(try await users.create(changes, by: actor).json, status: .created)
        }
        api.get("users/:id") { _, context in
            let identity = try context.requireIdentity()
            return JSONBody.response(try await users.get(try context.pathID(), as: identity).json)
        }
        api.put("users/:id") { request, context in
            let actor = AuditLog.Actor(try context.requireAdmin(), clientIP: context.clientIP)
            let id = try context.pathID()
            let changes = try await JSONBody.decode(UserService.Changes.self, request, context: context)
            return JSONBody.response(try await users.update(id, changes, by: actor).json)
        }
        api.delete("users/:id") { _, context in
            let actor = AuditLog.Actor(try context.requireAdmin(), clientIP: context.clientIP)
            try await users.delete(try context.pathID(), by: actor)
            return Response(status: .noContent)
        }
        api.put("users/me/password") { request, context in
            let identity = try context.requireIdentity()
            let input = try await JSONBody.decode(PasswordChange.self, request, context: context)
            try await users.changeOwnPassword(
                userID: identity.userID, sessionID: identity.sessionID, current: input.current_password, to: input.new_password,
                by: AuditLog.Actor(identity, clientIP: context.clientIP))
            return JSONBody.response(.with(["changed": true]))
        }
        api.get("users/:id/sessions") { _, context in
            let identity = try context.requireIdentity()
            let list = try await users.sessions(of: try context.pathID(), as: identity, sessions: sessions)
            let items = list.map { session -> JSON in
                .with([
                    "id": session.id, "created_on": session.createdOn.formatted(.iso8601), "refreshed_on": session.refreshedOn.formatted(.iso8601),
                    "client_ip": session.client.ip, "user_agent": session.client.userAgent, "current": session.id == identity.sessionID,
                ])
            }
            return JSONBody.response(.with(["items": items, "total": items.count]))
        }
        api.delete("users/:id/sessions") { _, context in
            let identity = try context.requireIdentity()
            let id = try context.pathID()
            let ended = try await users.endSessions(of: id, as: identity, by: AuditLog.Actor(identity, clientIP: context.clientIP))
            var response = JSONBody.response(.with(["ended": ended]))
            // Signing oneself out everywhere includes this browser.
            if id == identity.userID, case .sessionCookie = identity.credential { SessionCookies.clear(secure: context.isSecure, on: &response) }
            return response
        }
        api.delete("users/:id/sessions/:session_id") { _, context in
            let identity = try context.requireIdentity()
            let sessionID = try context.pathID("session_id")
            try await users.endSession(sessionID, of: try context.pathID(), as: identity, by: AuditLog.Actor(identity, clientIP: context.clientIP))
            var response = Response(status: .noContent)
            // Ending the session this browser is signed in with signs it out.
            if sessionID == identity.sessionID, case .sessionCookie = identity.credential {
                SessionCookies.clear(secure: context.isSecure, on: &response)
            }
            return response
        }
    }
}
