import Hummingbird

/// The one mapping of domain refusals to HTTP: 400 invalid, 404 not found (or a field naming something missing), 409 conflict,
/// 403 forbidden, 401 unauthenticated, 429 too many attempts (with `Retry-After`), 503 unavailable, 502 for an upstream
/// system; the body is ``APIError``'s.
extension DomainError: HTTPResponseError {
    var apiError: APIError {
        switch self {
        case .invalid(let failure): .invalid(failure)
        case .notFound(let what): .notFound(what)
        case .missingReference(let field, let message): APIError(.notFound, code: "not_found", message: message, field: field)
        case .conflict(let field, let message): .conflict(field: field, message)
        case .forbidden(let code, let message): APIError(.forbidden, code: code, message: message)
        case .unauthenticated(let code, let message): APIError(.unauthorized, code: code, message: message)
        case .tooManyAttempts(let retryAfter, let message):
            {
                var error = APIError.rateLimited(retryAfter: retryAfter)
                error.message = message
                return error
            }()
        case .unavailable(let code, let message): APIError(.serviceUnavailable, code: code, message: message)
        case .upstream(let code, let message): APIError(.badGateway, code: code, message: message)
        }
    }

    var status: HTTPResponse.Status { apiError.status }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        try apiError.response(from: request, context: context)
    }
}
