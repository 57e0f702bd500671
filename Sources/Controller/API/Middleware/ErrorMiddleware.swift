import Hummingbird
import Logging

/// Turns every error into the API's JSON error shape: ``APIError`` as it is, a ``DomainError``
/// by its one mapping to HTTP, a refused two-factor step with the code the UI acts on, Hummingbird's own
/// HTTP errors (unknown route, oversized body) with their status, a ``StorageFault`` as 507 (a
/// full disk) or 503 (a database that cannot be written) saying what to do, anything else as a
/// 500 that reveals nothing.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as DomainError {
            return try error.apiError.response(from: request, context: context)
        } catch let fault as StorageFault {
            context.logger.error("a write was refused", metadata: ["fault": "\(fault)", "path": "\(request.uri.path)"])
            switch fault {
            case .full:
                return try APIError(.init(code: 507, reasonPhrase: "Insufficient Storage"), code: "storage_full", message: fault.description)
                    .response(from: request, context: context)
            case .notWritable:
                return try APIError(.serviceUnavailable, code: "storage_not_writable", message: fault.description).response(
                    from: request, context: context)
            }
        } catch let refusal as TwoFactorService.Refusal {
            return try APIError.twoFactor(refusal).response(from: request, context: context)
        } catch let error as HTTPResponseError where error.status == .notFound {
            if let methods = routes.methods(for: request.uri.path), !methods.contains(request.method.rawValue) {
                var refusal = APIError(
                    .methodNotAllowed, code: "method_not_allowed",
                    message: "\(request.method.rawValue) is not allowed here; use \(methods.joined(separator: ", "))")
                refusal.headers[.allow] = methods.joined(separator: ", ")
                return try refusal.response(from: request, context: context)
            }
            return try APIError(.notFound, code: "not_found", message: "no such route").response(from: request, context: context)
        } catch let error as HTTPResponseError {
            let code: String
            switch error.status {
            case .notFound: code = "not_found"
            case .contentTooLarge: code = "too_large"
            case .methodNotAllowed: code = "method_not_allowed"
            default: code = error.status.code < 500 ? "invalid" : "internal"
            }
            let message = error.status == .notFound ? "no such route" : error.status.reasonPhrase
            return try APIError(error.status, code: code, message: message).response(from: request, context: context)
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return try APIError(.internalServerError, code: "internal", message: "internal error").response(from: request, context: context)
        }
    }
}
