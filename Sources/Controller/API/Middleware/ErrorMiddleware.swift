import Hummingbird
import Logging

/// Turns every error into the API's JSON error shape (``ErrorMiddleware/apiError(for:request:context:routes:)``
/// says which error becomes which answer).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return try Self.apiError(for: error, request: request, context: context, routes: routes).response(from: request, context: context)
        }
    }

    /// The one mapping of errors to answers: ``APIError`` as it is, a ``DomainError`` by its one
    /// mapping to HTTP, a refused two-factor step with the code the UI acts on, Hummingbird's own
    /// HTTP errors (unknown route, oversized body) with their status (405 with the methods the
    /// path has, when `routes` knows it), a ``StorageFault`` as 507 (a full disk) or 503 (a
    /// database that cannot be written) saying what to do, anything else as a 500 that reveals
    /// nothing (and is logged).
    static func apiError(for error: any Error, request: Request, context: AppContext, routes: RouteTable?) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as DomainError:
            return error.apiError
        case let fault as StorageFault:
            context.logger.error("a write was refused", metadata: ["fault": "\(fault)", "path": "\(request.uri.path)"])
            switch fault {
            case .full:
                return APIError(.init(code: 507, reasonPhrase: "Insufficient Storage"), code: "storage_full", message: fault.description)
            case .notWritable:
                return APIError(.serviceUnavailable, code: "storage_not_writable", message: fault.description)
            }
        case let refusal as TwoFactorService.Refusal:
            return APIError.twoFactor(refusal)
        case let error as HTTPResponseError where error.status == .notFound:
            if let methods = routes?.methods(for: request.uri.path), !methods.contains(request.method.rawValue) {
                var refusal = APIError(
                    .methodNotAllowed, code: "method_not_allowed",
                    message: "\(request.method.rawValue) is not allowed here; use \(methods.joined(separator: ", "))")
                refusal.headers[.allow] = methods.joined(separator: ", ")
                return refusal
            }
            return APIError(.notFound, code: "not_found", message: "no such route")
        case let error as HTTPResponseError:
            let code: String
            switch error.status {
            case .contentTooLarge: code = "too_large"
            case .methodNotAllowed: code = "method_not_allowed"
            default: code = error.status.code < 500 ? "invalid" : "internal"
            }
            return APIError(error.status, code: code, message: error.status.reasonPhrase)
        default:
            context.logger.error("unhandled error", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return APIError(.internalServerError, code: "internal", message: "internal error")
        }
    }
}
