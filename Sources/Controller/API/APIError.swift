import Hummingbird
import JSONCore

/// An error answered as `{"error": {"code", "message", "field"?}}` with its HTTP status.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var field: String?
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, code: String, message: String, field: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
    }

    static func invalid(_ failure: ValidationFailure) -> APIError {
        APIError(.badRequest, code: "invalid", message: failure.message, field: failure.field)
    }
    static func invalid(field: String?, _ message: String) -> APIError {
        APIError(.badRequest, code: "invalid", message: message, field: field)
    }
    static func unauthorized(_ message: String = "authentication required") -> APIError {
        APIError(.unauthorized, code: "unauthorized", message: message)
    }
    static func forbidden(_ message: String) -> APIError { APIError(.forbidden, code: "forbidden", message: message) }
    static func notFound(_ what: String) -> APIError { APIError(.notFound, code: "not_found", message: "\(what) not found") }
    static func conflict(field: String?, _ message: String) -> APIError {
        APIError(.conflict, code: "conflict", message: message, field: field)
    }
    static func rateLimited(retryAfter: Int) -> APIError {
        var error = APIError(.tooManyRequests, code: "rate_limited", message: "too many requests; retry in \(retryAfter) s")
        error.headers[.retryAfter] = String(retryAfter)
        return error
    }

    /// A refused two-factor step, with a code the UI acts on.
    static func twoFactor(_ refusal: TwoFactorService.Refusal) -> APIError {
        switch refusal {
        case .codeRequired:
            APIError(
                .unauthorized, code: "two_factor_required",
                message: "this account has two-factor login: send the authenticator code as totp_code (or a backup_code)")
        case .invalidCode:
            APIError(.unauthorized, code: "two_factor_invalid", message: "the code is wrong, expired or already used")
        case .alreadyEnabled:
            APIError(.conflict, code: "conflict", message: "two-factor login is already on; turn it off first to enrol again")
        case .noEnrolment:
            APIError(.conflict, code: "conflict", message: "no two-factor enrolment is waiting: start one first")
        case .secretUnreadable:
            APIError(
                .conflict, code: "two_factor_unreadable",
                message:
                    "the two-factor secret cannot be read on this controller (restored from another one): log in with a backup code, or ask an admin to reset two-factor login"
            )
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var error: JSON = ["code": .string(code), "message": .string(message)]
        if let field { error["field"] = .string(field) }
        var response = JSONBody.response(.with(["error": error]), status: status)
        response.headers.append(contentsOf: headers)
        return response
    }
}
