import Hummingbird

/// With `admin_domain` and `admin_http_redirect` set, a browser opening the admin on the plain
/// HTTP port (a `GET` or `HEAD` of a page, not of `/api/`) is sent to `https://DOMAIN` with the
/// same path. The API is left alone: agents and scripts configured with the plain URL keep
/// working (a redirect to another host would make most clients drop their `Authorization`), and
/// requests that came through the controller's own Caddy (already encrypted) are served.
struct AdminRedirectMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let adminDomain: AdminDomain

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let state = adminDomain.current
        guard state.redirect, let domain = state.domain, !context.isSecure, request.method == .get || request.method == .head,
            request.uri.path != "/api", !request.uri.path.hasPrefix("/api/")
        else {
            return try await next(request, context)
        }
        let port = adminDomain.httpsPort == 443 ? "" : ":\(adminDomain.httpsPort)"
        return Response(
            status: .permanentRedirect, headers: [.location: "https://\(domain)\(port)\(request.uri.path)\(request.uri.query.map { "?" + $0 } ?? "")"]
        )
    }
}
