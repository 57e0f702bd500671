import Hummingbird

/// 120 requests per minute per client IP on authenticated routes (SPEC §4); 429 beyond.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let retryAfter = limiter.acquire(context.clientIP) { throw APIError.rateLimited(retryAfter: retryAfter) }
        return try await next(request, context)
    }
}
