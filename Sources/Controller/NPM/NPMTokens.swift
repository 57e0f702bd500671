import Foundation
import JSONCore

/// Nginx Proxy Manager's tokens over PosternProxy's sessions. `POST /tokens` with `identity` (the
/// email) and `secret` (the password) is a password login, with its limits, two-factor check and
/// audit entry; its token is the session's access token, lasting a day as NPM's do (NPM's
/// clients cannot use a refresh token). `GET /tokens` gives the caller's session a new one (the
/// presented token stops working).
struct NPMTokens: Sendable {
    static let lifetime: TimeInterval = 24 * 3600
    let login: LoginService
    let sessions: Sessions

    /// A token and when it expires.
    struct Issued: Sendable {
        var token: String
        var expires: Date

        var json: JSON { .with(["token": token, "expires": expires]) }
    }

    func issue(identity: String, secret: String, client: Sessions.Client, secure: Bool) async throws -> Issued {
        let signedIn = try await login.login(
            LoginService.Credentials(email: identity, password: secret), client: client, secure: secure, accessLifetime: Self.lifetime)
        return Issued(token: signedIn.issued.accessToken, expires: Date() + Self.lifetime)
    }

    func renew(_ caller: Identity) async throws -> Issued {
        let sessionID: Int64
        switch caller.credential {
        case .accessToken(let id), .sessionCookie(let id): sessionID = id
        case .apiToken:
            throw DomainError.invalid(
                ValidationFailure("Authorization", "an API token does not expire and cannot be renewed: keep sending it"))
        }
        guard let (token, expires) = try await sessions.renewAccess(sessionID: sessionID, lifetime: Self.lifetime) else {
            throw DomainError.unauthenticated("the session has ended; request a new token with POST /npm/api/tokens")
        }
        return Issued(token: token, expires: expires)
    }
}
