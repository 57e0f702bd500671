import Foundation
import GRDB
import Hummingbird

/// `/api/auth`: login, refresh, logout, me (SPEC §3.8). Sessions live in cookies (HttpOnly,
/// Secure, SameSite=Strict) with a CSRF double-submit cookie; the access token also works as a
/// bearer token.
struct AuthRoutes: Sendable {
    let store: Store
    let sessions: Sessions
    let loginLimiter: RateLimiter

    struct Credentials: Decodable {
        var email: String
        var password: String
    }

    /// Registers the routes that need no session (login, refresh).
    func registerPublic(on api: RouterGroup<AppContext>) {
        api.post("auth/login") { request, context in
            if let retryAfter = loginLimiter.acquire(context.clientIP) { throw APIError.rateLimited(retryAfter: retryAfter) }
            let body = try await JSONBody.object(request, context: context)
            let credentials = try JSONBody.decode(Credentials.self, from: body, allowed: ["email", "password"])
            return try await login(credentials, clientIP: context.clientIP)
        }
        api.post("auth/refresh") { request, context in
            let body = try? await JSONBody.object(request, context: context)
            let fromCookie = request.cookies[AuthenticationMiddleware.refreshCookie]?.value
            guard let token = (body?["refresh_token"] as? String) ?? fromCookie else { throw APIError.unauthorized("no refresh token") }
            if body?["refresh_token"] == nil {
                // A cookie-borne refresh changes state: it needs the CSRF header like any other.
                guard let csrf = request.cookies[AuthenticationMiddleware.csrfCookie]?.value,
                    request.headers[AuthenticationMiddleware.csrfHeader] == csrf
                else { throw APIError.forbidden("missing or wrong CSRF token") }
            }
            guard let (issued, userID) = try await sessions.refresh(token) else {
                throw APIError.unauthorized("the refresh token is invalid or expired")
            }
            let user = try await store.database.read { db in try UserRecord.fetch(db, id: userID) }
            return try sessionResponse(issued, user: user!)
        }
    }

    /// Registers the routes that need a session.
    func register(on api: RouterGroup<AppContext>) {
        api.get("auth/me") { _, context in
            let identity = try context.requireIdentity()
            guard let user = try await store.database.read({ db in try UserRecord.fetch(db, id: identity.userID) }) else {
                throw APIError.unauthorized()
            }
            return JSONBody.response(user.json)
        }
        api.post("auth/logout") { _, context in
            let identity = try context.requireIdentity()
            switch identity.credential {
            case .sessionCookie(let id), .accessToken(let id): try await sessions.end(sessionID: id)
            case .apiToken: break
            }
            try await store.database.write { db in
                try AuditLog.record(db, AuditLog.Actor(identity, clientIP: context.clientIP), action: "logout", resourceType: "session")
            }
            var response = JSONBody.response(["logged_out": true])
            for (name, path) in [(AuthenticationMiddleware.accessCookie, "/"), (AuthenticationMiddleware.refreshCookie, "/api/auth"),
                                 (AuthenticationMiddleware.csrfCookie, "/")] {
                response.setCookie(Cookie(name: name, value: "", maxAge: 0, path: path, secure: true, httpOnly: true, sameSite: .strict))
            }
            return response
        }
    }

    private func login(_ credentials: Credentials, clientIP: String) async throws -> Response {
        let email = credentials.email.lowercased()
        let user = try await store.database.read { db in try UserRecord.fetch(db, email: email) }
        // Verify against a fixed hash when the user is unknown, so timing does not tell.
        let valid = Secrets.verifyPassword(credentials.password, hash: user?.passwordHash ?? UserRecord.placeholderHash)
        guard let user, valid, user.active else {
            try await store.database.write { db in
                try AuditLog.record(db, AuditLog.Actor(userID: user?.id, email: FieldRules.printable(email), clientIP: clientIP),
                                    action: "login_failed", resourceType: "session")
            }
            throw APIError.unauthorized("wrong email or password, or the account is deactivated")
        }
        let issued = try await store.database.write { db -> Sessions.Issued in
            let issued = try sessions.create(userID: user.id, in: db)
            try AuditLog.record(db, AuditLog.Actor(userID: user.id, email: user.email, clientIP: clientIP), action: "login", resourceType: "session")
            return issued
        }
        return try sessionResponse(issued, user: user)
    }

    private func sessionResponse(_ issued: Sessions.Issued, user: UserRecord) throws -> Response {
        var response = JSONBody.response([
            "access_token": issued.accessToken, "refresh_token": issued.refreshToken,
            "expires_in": Int(Sessions.accessLifetime), "user": user.json,
        ])
        response.setCookie(Cookie(name: AuthenticationMiddleware.accessCookie, value: issued.accessToken, maxAge: Int(Sessions.accessLifetime),
                                  path: "/", secure: true, httpOnly: true, sameSite: .strict))
        response.setCookie(Cookie(name: AuthenticationMiddleware.refreshCookie, value: issued.refreshToken, maxAge: Int(Sessions.refreshLifetime),
                                  path: "/api/auth", secure: true, httpOnly: true, sameSite: .strict))
        response.setCookie(Cookie(name: AuthenticationMiddleware.csrfCookie, value: Secrets.token(prefix: "csrf_"), maxAge: Int(Sessions.refreshLifetime),
                                  path: "/", secure: true, httpOnly: false, sameSite: .strict))
        return response
    }
}
