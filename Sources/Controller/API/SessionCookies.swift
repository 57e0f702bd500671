import Hummingbird

/// The session's cookies: the access token (HttpOnly, every path), the refresh token (HttpOnly,
/// only `/api/auth`) and the CSRF token the page repeats in `X-CSRF-Token`. All SameSite=Strict;
/// `Secure` exactly when the request was encrypted (TLS, or a trusted proxy's https), because a
/// browser drops `Secure` cookies that arrive over plain HTTP from any host but localhost, and
/// an admin must be able to log in from another machine before HTTPS is set up.
enum SessionCookies {
    static let access = "pp_access"
    static let refresh = "pp_refresh"
    static let csrf = "pp_csrf"

    static func set(_ issued: Sessions.Issued, secure: Bool, on response: inout Response) {
        for (name, value, maxAge, path, httpOnly) in [
            (access, issued.accessToken, Sessions.accessLifetime, "/", true),
            (refresh, issued.refreshToken, Sessions.refreshLifetime, "/api/auth", true),
            (csrf, Secrets.token(prefix: "csrf_"), Sessions.refreshLifetime, "/", false),
        ] {
            response.setCookie(
                Cookie(name: name, value: value, maxAge: Int(maxAge), path: path, secure: secure, httpOnly: httpOnly, sameSite: .strict))
        }
    }

    static func clear(secure: Bool, on response: inout Response) {
        for (name, path) in [(access, "/"), (refresh, "/api/auth"), (csrf, "/")] {
            response.setCookie(Cookie(name: name, value: "", maxAge: 0, path: path, secure: secure, httpOnly: true, sameSite: .strict))
        }
    }
}
