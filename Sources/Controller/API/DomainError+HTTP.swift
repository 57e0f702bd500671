import Hummingbird

/// The one mapping of domain refusals to HTTP: 400 invalid, 404 not found (or a field naming something missing), 409 conflict,
/// 403 forbidden, 503 unavailable, 502 for an upstream system; the body is ``APIError``'s.
extension DomainError: HTTPResponseError {
    var apiError: APIError {
        switch self {
        case .invalid(let failure): .invalid(failure)
        case .notFound(let what): .notFound(what)
        case .missingReference(let field, let message): APIError(.notFound, code: "not_found", message: message, field: field)
        case .conflict(let field, let message): .conflict(field: field, message)
        case .forbidden(let message): .forbidden(message)
        case .unavailable(let code, let message): APIError(.serviceUnavailable, code: code, message: message)
        case .upstream(let code, let message): APIError(.badGateway, code: code, message: message)
        }
    }

    var status: HTTPResponse.Status { apiError.status }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        try apiError.response(from: request, context: context)
    }
}
