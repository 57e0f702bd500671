import Hummingbird
import JSONCore

/// Answers errors under `/npm/api` in Nginx Proxy Manager's shape, `{"error": {"code": 400,
/// "message": "…"}}` (the HTTP status as an integer code; the field, when one is at fault,
/// leads the message), with the same statuses and headers as PosternProxy's own API.
struct NPMErrorMiddleware: RouterMiddleware {
    typealias Context = AppContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let failure as ValidationFailure {
            return Self.response(APIError.invalid(failure))
        } catch {
            return Self.response(ErrorMiddleware.apiError(for: error, request: request, context: context, routes: nil))
        }
    }

    static func response(_ error: APIError) -> Response {
        let message = error.field.map { "\($0): \(error.message)" } ?? error.message
        var response = JSONBody.response(.with(["error": JSON.with(["code": Int(error.status.code), "message": message])]), status: error.status)
        response.headers.append(contentsOf: error.headers)
        return response
    }
}
