import Hummingbird

/// Limits authenticated requests per credential: a person's sessions share one budget,
/// each API token has its own, so a script creating a thousand hosts is not slowed by the
/// browser next to it, nor by other clients behind the same address. Every 429 carries
/// `Retry-After`. Runs after ``AuthenticationMiddleware``.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let identity = try context.requireIdentity()
        if let retryAfter = limiter.acquire(Self.key(identity)) { throw APIError.rateLimited(retryAfter: retryAfter) }
        return try await next(request, context)
    }

    static func key(_ identity: Identity) -> String {
        switch identity.credential {
        case .sessionCookie, .accessToken: "user:\(identity.userID)"
        case .apiToken(let tokenID): "token:\(tokenID)"
        }
    }
}
