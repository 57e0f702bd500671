import HTTPTypes
import Hummingbird

/// Establishes who is calling, from `Authorization: Bearer` (a session access token or an API
/// token) or the session cookie, and refuses the request with 401 otherwise. Requests
/// authenticated by cookie that change state must repeat the CSRF cookie in `X-CSRF-Token`
/// (double submit), so another site cannot ride the browser's cookies. Requests that fail to
/// authenticate count against their client address (`failures`), so guessing tokens from one
/// address soon meets 429.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let sessions: Sessions
    let failures: RateLimiter

    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        do {
            context.identity = try await identify(request)
            guard context.identity != nil else { throw APIError.unauthorized() }
        } catch let error as APIError where error.status == .unauthorized {
            if let retryAfter = failures.acquire(context.clientIP) { throw APIError.rateLimited(retryAfter: retryAfter) }
            throw error
        }
        let identity = context.identity!
        if identity.mustEnrolTwoFactor, !Self.openBeforeEnrolment(request) {
            throw APIError(
                .forbidden, code: "two_factor_enrolment_required",
                message: "an admin requires two-factor login: set it up on your account page (/api/users/me/two-factor) first")
        }
        if identity.metricsOnly, !(request.uri.path == "/metrics" && [.get, .head].contains(request.method)) {
            throw APIError(.forbidden, code: "metrics_only", message: "this API token's scope is metrics: it may only read GET /metrics")
        }
        if case .sessionCookie = identity.credential, ![.get, .head].contains(request.method) {
            let cookie = request.cookies[SessionCookies.csrf]?.value
            guard let cookie, !cookie.isEmpty, let header = request.headers[Self.csrfHeader],
                Secrets.tokenHash(cookie) == Secrets.tokenHash(header)
            else { throw APIError.forbidden("missing or wrong CSRF token: send the pp_csrf cookie's value in X-CSRF-Token") }
        }
        return try await next(request, context)
    }

    /// What a session that must still enrol in two-factor login may do: see and log itself out,
    /// change its password, and enrol.
    private static func openBeforeEnrolment(_ request: Request) -> Bool {
        let path = request.uri.path
        return path == "/api/auth/me" || path == "/api/auth/logout" || path.hasPrefix("/api/users/me/")
    }

    private func identify(_ request: Request) async throws -> Identity? {
        if let authorization = request.headers[.authorization] {
            guard authorization.hasPrefix("Bearer ") else { throw APIError.unauthorized("Authorization must be `Bearer <token>`") }
            let token = String(authorization.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
            let identity =
                token.hasPrefix("ppt_")
                ? try await sessions.identity(apiToken: token)
                : try await sessions.identity(accessToken: token, viaCookie: false)
            guard let identity else { throw APIError.unauthorized("the token is invalid, expired or revoked") }
            return identity
        }
        if let cookie = request.cookies[SessionCookies.access]?.value {
            guard let identity = try await sessions.identity(accessToken: cookie, viaCookie: true) else {
                throw APIError.unauthorized("the session has expired; log in again")
            }
            return identity
        }
        return nil
    }
}
