import Hummingbird

/// The headers every response carries.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = AppContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.strictTransportSecurity] = "max-age=31536000; includeSubDomains"
        response.headers[.contentSecurityPolicy] = "default-src 'self'"
        response.headers[.init("Referrer-Policy")!] = "same-origin"
        return response
    }
}
