import Foundation
import JSONCore
import Synchronization

/// Nginx Proxy Manager's tokens over PosternProxy's sessions. `POST /tokens` with `identity` (the
/// email) and `secret` (the password) is a password login, with its limits, two-factor check and
/// audit entry; its token is the session's access token, lasting a day as NPM's do (NPM's
/// clients cannot use a refresh token). An account with two-factor login gets NPM's challenge
/// instead (`requires_2fa`, `challenge_token`, valid five minutes), and `POST /tokens/2fa` with
/// the challenge and a code finishes the login. `GET /tokens` gives the caller's session a new
/// token (the presented one stops working).
struct NPMTokens: Sendable {
    static let lifetime: TimeInterval = 24 * 3600
    static let challengeLifetime: TimeInterval = 300
    let login: LoginService
    let sessions: Sessions
    /// Shared by every listener: a challenge may be answered on another.
    let challenges: Challenges

    /// A token and when it expires, or the second factor to ask for.
    enum Issued: Sendable {
        case token(String, expires: Date)
        case challenge(String)

        var json: JSON {
            switch self {
            case .token(let token, let expires): .with(["token": token, "expires": expires])
            case .challenge(let challenge): .with(["requires_2fa": true, "challenge_token": challenge])
            }
        }
    }

    func issue(identity: String, secret: String, client: Sessions.Client, secure: Bool) async throws -> Issued {
        do {
            let signedIn = try await login.login(
                LoginService.Credentials(email: identity, password: secret), client: client, secure: secure, accessLifetime: Self.lifetime)
            return .token(signedIn.issued.accessToken, expires: Date() + Self.lifetime)
        } catch TwoFactorService.Refusal.codeRequired {
            // The password was right: the account's user id is found again by its email.
            let userID = try await login.store.database.read { db in try UserRepository.find(db, email: identity.lowercased())?.id }
            guard let userID else { throw DomainError.unauthenticated("wrong email or password, or the account is deactivated") }
            return .challenge(challenges.open(userID: userID, lasting: Self.challengeLifetime))
        }
    }

    /// Finishes a login NPM's way: the challenge of `POST /tokens` and a code (six digits from
    /// the authenticator, or a backup code).
    func completeChallenge(_ challenge: String, code: String, client: Sessions.Client, secure: Bool) async throws -> Issued {
        guard let userID = challenges.userID(challenge) else {
            throw DomainError.unauthenticated("the challenge is unknown or expired; request a new token with POST /npm/api/tokens")
        }
        let isTOTP = code.count == 6 && code.allSatisfy(\.isNumber)
        let signedIn = try await login.completeSecondFactor(
            userID: userID, totpCode: isTOTP ? code : nil, backupCode: isTOTP ? nil : code, client: client, secure: secure,
            accessLifetime: Self.lifetime)
        challenges.close(challenge)
        return .token(signedIn.issued.accessToken, expires: Date() + Self.lifetime)
    }

    /// NPM's "sign in as this user" (`POST /users/{id}/login`), for an admin: a session of the
    /// user's own whose token lasts a day, recorded in the audit log as the admin's
    /// `login_as`. A deactivated account is refused; the user's second factor is the admin's to
    /// vouch for, as in NPM.
    func signIn(asUser userID: Int64, by admin: Identity, client: Sessions.Client) async throws -> (token: String, expires: Date, user: UserRecord) {
        try await login.store.database.write { db in
            guard let user = try UserRepository.find(db, id: userID) else { throw DomainError.notFound("user") }
            guard user.active else { throw DomainError.invalid(ValidationFailure("id", "the account is deactivated: activate it first")) }
            let issued = try sessions.create(userID: userID, client: client, in: db, accessLifetime: Self.lifetime)
            try AuditLog.record(
                db, AuditLog.Actor(admin, clientIP: client.ip), action: "login_as", resourceType: "user", resourceID: userID,
                details: ["session": .int(Int(issued.sessionID))])
            return (issued.accessToken, Date() + Self.lifetime, user)
        }
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
        return .token(token, expires: expires)
    }

    /// Open challenges, by the SHA-256 of their token: whose password was right, until when.
    /// At most 10,000 are kept (the oldest go first).
    final class Challenges: Sendable {
        private let open = Mutex<[String: (userID: Int64, expires: Date)]>([:])

        func open(userID: Int64, lasting lifetime: TimeInterval) -> String {
            let token = Secrets.token(prefix: "npmc_")
            let now = Date()
            open.withLock { table in
                table = table.filter { $0.value.expires > now }
                if table.count >= 10_000, let oldest = table.min(by: { $0.value.expires < $1.value.expires })?.key { table[oldest] = nil }
                table[Secrets.tokenHash(token)] = (userID, now + lifetime)
            }
            return token
        }

        func userID(_ token: String) -> Int64? {
            open.withLock { table in
                guard let entry = table[Secrets.tokenHash(token)], entry.expires > Date() else { return nil }
                return entry.userID
            }
        }

        func close(_ token: String) {
            _ = open.withLock { table in table.removeValue(forKey: Secrets.tokenHash(token)) }
        }
    }
}
