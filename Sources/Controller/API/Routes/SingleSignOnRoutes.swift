import Foundation
import Hummingbird
import JSONCore

/// Single sign-on through an OpenID Connect provider. Public: `GET /api/auth/methods` (what the
/// login page offers), `GET /api/auth/oidc/start` and `GET /api/auth/oidc/callback` (browser
/// navigations: they answer with redirects, and a refused sign-in lands on the login page with
/// `?sso_error=CODE`, never with text the URL could forge). Admin: `GET` and `PUT
/// /api/single-sign-on`.
struct SingleSignOnRoutes: Sendable {
    let service: SingleSignOnService
    /// Sign-ins started per client address and minute.
    let starts: RateLimiter

    func registerPublic(on api: RouterGroup<AppContext>) {
        api.get("auth/methods") { _, _ in
            JSONBody.response(try await service.methods())
        }
        api.get("auth/oidc/start") { request, context -> Response in
            if let retryAfter = starts.acquire(context.clientIP) { throw APIError.rateLimited(retryAfter: retryAfter) }
            guard let origin = Self.origin(request, context) else { return Self.toLoginPage(error: "bad_host") }
            do throws(SingleSignOnError) {
                let start = try await service.begin(origin: origin)
                var response = Response(status: .found, headers: [.location: start.authorizationURL, .cacheControl: "no-store"])
                response.setCookie(
                    Cookie(
                        name: SingleSignOnService.bindingCookie, value: start.binding, maxAge: Int(PendingLogins.lifetime),
                        path: "/api/auth/oidc", secure: context.isSecure, httpOnly: true, sameSite: .lax))
                return response
            } catch {
                context.logger.warning("single sign-on could not start: \(error.message)")
                return Self.toLoginPage(error: error.code)
            }
        }
        api.get("auth/oidc/callback") { request, context -> Response in
            let query = request.uri.queryParameters
            let callback = SingleSignOnService.Callback(
                state: query["state"].map(String.init), code: query["code"].map(String.init), error: query["error"].map(String.init),
                errorDescription: query["error_description"].map(String.init), issuer: query["iss"].map(String.init),
                binding: request.cookies[SingleSignOnService.bindingCookie]?.value)
            let client = Sessions.Client(ip: context.clientIP, userAgent: request.headers[.userAgent])
            var response: Response
            do throws(SingleSignOnError) {
                let signedIn = try await service.finish(callback, client: client)
                response = Response(status: .seeOther, headers: [.location: "/", .cacheControl: "no-store"])
                SessionCookies.set(signedIn.issued, secure: context.isSecure, on: &response)
            } catch {
                context.logger.warning("single sign-on refused: \(error.code): \(error.message)")
                response = Self.toLoginPage(error: error.code)
            }
            response.setCookie(
                Cookie(
                    name: SingleSignOnService.bindingCookie, value: "", maxAge: 0, path: "/api/auth/oidc",
                    secure: context.isSecure, httpOnly: true, sameSite: .lax))
            return response
        }
    }

    func register(on api: RouterGroup<AppContext>) {
        api.get("single-sign-on") { request, context in
            _ = try context.requireAdmin()
            var answer = try await service.settings().json
            answer["callback_path"] = .string(SingleSignOnService.callbackPath)
            answer["password_login_forced"] = .bool(service.passwordLoginForced)
            return JSONBody.response(answer)
        }
        api.put("single-sign-on") { request, context in
            let identity = try context.requireAdmin()
            let input = try await JSONBody.decode(SingleSignOnSettings.Input.self, request, context: context)
            var answer = try await service.update(input, actor: AuditLog.Actor(identity, clientIP: context.clientIP)).json
            answer["callback_path"] = .string(SingleSignOnService.callbackPath)
            answer["password_login_forced"] = .bool(service.passwordLoginForced)
            return JSONBody.response(answer)
        }
    }

    /// `scheme://host[:port]` the browser used: https when the request was encrypted, the host
    /// from the request line or Host header when it is a plain host name or address.
    static func origin(_ request: Request, _ context: AppContext) -> String? {
        guard let authority = request.head.authority, !authority.isEmpty, authority.utf8.count <= 300,
            authority.utf8.allSatisfy({ byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || Array(".-:[]".utf8).contains(byte)
            })
        else { return nil }
        return "\(context.isSecure ? "https" : "http")://\(authority)"
    }

    /// Back to the login page, which explains `error`.
    static func toLoginPage(error: String) -> Response {
        Response(status: .seeOther, headers: [.location: "/?sso_error=\(ProviderClient.formEncode(error))", .cacheControl: "no-store"])
    }
}
