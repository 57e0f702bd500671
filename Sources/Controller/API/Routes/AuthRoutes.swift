import Foundation
import GRDB
import Hummingbird
import JSONCore

/// `/api/auth`: login, refresh, logout, me. Sessions live in cookies
/// (``SessionCookies``) with a CSRF double-submit cookie; the access token also works as a
/// bearer token. Failed logins are limited per client address (`addressLimiter`, 5 a minute) and
/// per account (`throttle`, a growing delay), both checked before the password hash is
/// computed; a login that succeeds, or stops only to ask for the second factor, costs nothing.
struct AuthRoutes: Sendable {
    let store: Store
    let sessions: Sessions
    let addressLimiter: RateLimiter
    let throttle: LoginThrottle
    let twoFactor: TwoFactorService
    /// Says whether email and password may sign in (an admin can leave only single sign-on).
    let singleSignOn: SingleSignOnService

    struct Credentials: Decodable {
        var email: String
        var password: String
        var totp_code: String?
        var backup_code: String?
    }

    /// Registers the routes that need no session (login, refresh).
    func registerPublic(on api: RouterGroup<AppContext>) {
        api.post("auth/login") { request, context in
            if let retryAfter = addressLimiter.wait(context.clientIP) { throw APIError.rateLimited(retryAfter: retryAfter) }
            guard try await singleSignOn.passwordLoginAllowed() else {
                throw APIError(
                    .forbidden, code: "password_login_disabled", message: "an admin turned password login off: sign in through single sign-on")
            }
            let credentials = try await JSONBody.decode(Credentials.self, request, context: context)
            return try await login(credentials, client: client(request, context), secure: context.isSecure)
        }
        api.post("auth/refresh") { request, context in
            let body = try? await JSONBody.object(request, context: context)
            let fromCookie = request.cookies[SessionCookies.refresh]?.value
            let fromBody = body?["refresh_token"]?.stringValue
            guard let token = fromBody ?? fromCookie else { throw APIError.unauthorized("no refresh token") }
            if fromBody == nil {
                // A cookie-borne refresh changes state: it needs the CSRF header like any other.
                guard let csrf = request.cookies[SessionCookies.csrf]?.value,
                    request.headers[AuthenticationMiddleware.csrfHeader] == csrf
                else { throw APIError.forbidden("missing or wrong CSRF token") }
            }
            guard let (issued, userID) = try await sessions.refresh(token, client: client(request, context)) else {
                throw APIError.unauthorized("the refresh token is invalid or expired")
            }
            let user = try await store.database.read { db in try UserRecord.fetch(db, id: userID) }
            return try sessionResponse(issued, user: user!, secure: context.isSecure)
        }
    }

    /// Registers the routes that need a session.
    func register(on api: RouterGroup<AppContext>) {
        api.get("auth/me") { _, context in
            let identity = try context.requireIdentity()
            guard let user = try await store.database.read({ db in try UserRecord.fetch(db, id: identity.userID) }) else {
                throw APIError.unauthorized()
            }
            var json = user.json
            json["connection"] = .with(["secure": context.isSecure, "client_ip": context.clientIP])
            return JSONBody.response(json)
        }
        api.post("auth/logout") { _, context in
            let identity = try context.requireIdentity()
            if let session = identity.sessionID { try await sessions.end(sessionID: session) }
            try await store.database.write { db in
                try AuditLog.record(db, AuditLog.Actor(identity, clientIP: context.clientIP), action: "logout", resourceType: "session")
            }
            var response = JSONBody.response(.with(["logged_out": true]))
            SessionCookies.clear(secure: context.isSecure, on: &response)
            return response
        }
    }

    private func client(_ request: Request, _ context: AppContext) -> Sessions.Client {
        Sessions.Client(ip: context.clientIP, userAgent: request.headers[.userAgent])
    }

    private func login(_ credentials: Credentials, client: Sessions.Client, secure: Bool) async throws -> Response {
        let email = credentials.email.lowercased()
        if let retryAfter = throttle.wait(for: email) {
            throw APIError.accountLocked(retryAfter: retryAfter)
        }
        let user = try await store.database.read { db in try UserRecord.fetch(db, email: email) }
        // Verify against a fixed hash when the user is unknown, so timing does not tell.
        let valid = try await Secrets.verifyPassword(credentials.password, hash: user?.passwordHash ?? UserRecord.placeholderHash)
        guard let user, valid, user.active else {
            _ = addressLimiter.acquire(client.ip)
            if !valid { throttle.failed(email) }
            try await store.database.write { db in
                try AuditLog.record(
                    db, AuditLog.Actor(userID: user?.id, email: FieldRules.printable(email), clientIP: client.ip),
                    action: "login_failed", resourceType: "session")
            }
            throw APIError.unauthorized("wrong email or password, or the account is deactivated")
        }
        let secondFactor: TwoFactorService.SecondFactor
        do {
            secondFactor = try await twoFactor.verify(userID: user.id, code: credentials.totp_code, backupCode: credentials.backup_code)
        } catch let refusal as TwoFactorService.Refusal {
            // The password was right; a wrong second factor still counts against the account.
            if refusal != .codeRequired {
                _ = addressLimiter.acquire(client.ip)
                throttle.failed(email)
            }
            try await store.database.write { db in
                try AuditLog.record(
                    db, AuditLog.Actor(userID: user.id, email: user.email, clientIP: client.ip), action: "login_failed", resourceType: "session",
                    details: ["reason": refusal == .codeRequired ? "two_factor_code_missing" : "two_factor_code_wrong"])
            }
            throw APIError.twoFactor(refusal)
        }
        throttle.succeeded(email)
        let issued = try await store.database.write { db -> Sessions.Issued in
            let issued = try sessions.create(userID: user.id, client: client, in: db)
            try AuditLog.record(
                db, AuditLog.Actor(userID: user.id, email: user.email, clientIP: client.ip), action: "login", resourceType: "session",
                details: ["secure": secure, "second_factor": secondFactor.rawValue])
            return issued
        }
        return try sessionResponse(issued, user: user, secure: secure)
    }

    private func sessionResponse(_ issued: Sessions.Issued, user: UserRecord, secure: Bool) throws -> Response {
        var response = JSONBody.response(
            .with([
                "access_token": issued.accessToken, "refresh_token": issued.refreshToken,
                "expires_in": Int(Sessions.accessLifetime), "user": user.json,
                "secure_cookies": secure,
            ]))
        SessionCookies.set(issued, secure: secure, on: &response)
        return response
    }
}
