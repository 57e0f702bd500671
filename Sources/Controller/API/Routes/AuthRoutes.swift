import Hummingbird
import JSONCore

/// `/api/auth`: login, refresh, logout, me (``LoginService`` holds the rules). Sessions live in
/// cookies (``SessionCookies``) with a CSRF double-submit cookie; the access token also works as
/// a bearer token.
struct AuthRoutes: Sendable {
    let login: LoginService

    /// Registers the routes that need no session (login, refresh).
    func registerPublic(on api: RouterGroup<AppContext>) {
        api.post("auth/login") { request, context in
            let credentials = try await JSONBody.decode(LoginService.Credentials.self, request, context: context)
            let signedIn = try await login.login(credentials, client: client(request, context), secure: context.isSecure)
            return sessionResponse(signedIn, secure: context.isSecure)
        }
        api.post("auth/refresh") { request, context in
            let body = try? await JSONBody.object(request, context: context)
            let fromBody = body?["refresh_token"]?.stringValue
            guard let token = fromBody ?? request.cookies[SessionCookies.refresh]?.value else { throw APIError.unauthorized("no refresh token") }
            if fromBody == nil {
                // A cookie-borne refresh changes state: it needs the CSRF header like any other.
                guard let csrf = request.cookies[SessionCookies.csrf]?.value, request.headers[AuthenticationMiddleware.csrfHeader] == csrf
                else { throw APIError.forbidden("missing or wrong CSRF token") }
            }
            return sessionResponse(try await login.refresh(token, client: client(request, context)), secure: context.isSecure)
        }
    }

    /// Registers the routes that need a session.
    func register(on api: RouterGroup<AppContext>) {
        api.get("auth/me") { _, context in
            var json = try await login.account(try context.requireIdentity()).json
            json["connection"] = .with(["secure": context.isSecure, "client_ip": context.clientIP])
            return JSONBody.response(json)
        }
        api.post("auth/logout") { _, context in
            try await login.logout(try context.requireIdentity(), clientIP: context.clientIP)
            var response = JSONBody.response(.with(["logged_out": true]))
            SessionCookies.clear(secure: context.isSecure, on: &response)
            return response
        }
    }

    private func client(_ request: Request, _ context: AppContext) -> Sessions.Client {
        Sessions.Client(ip: context.clientIP, userAgent: request.headers[.userAgent])
    }

    private func sessionResponse(_ signedIn: LoginService.SignedIn, secure: Bool) -> Response {
        var response = JSONBody.response(
            .with([
                "access_token": signedIn.issued.accessToken, "refresh_token": signedIn.issued.refreshToken,
                "expires_in": Int(Sessions.accessLifetime), "user": signedIn.user.json, "secure_cookies": secure,
            ]))
        SessionCookies.set(signedIn.issued, secure: secure, on: &response)
        return response
    }
}
