import Foundation
import JSONCore

/// Password login, refresh and logout. Failed logins are limited per client address
/// (`addressLimiter`) and per account (`throttle`, a growing delay), both checked before the
/// password hash is computed; a login that succeeds, or stops only to ask for the second factor,
/// costs nothing. An unknown email is checked against a fixed hash, so timing does not tell
/// which accounts exist. Every outcome is audited.
struct LoginService: Sendable {
    let store: Store
    let sessions: Sessions
    let addressLimiter: RateLimiter
    let throttle: LoginThrottle
    let twoFactor: TwoFactorService
    /// Says whether email and password may sign in (an admin can leave only single sign-on).
    let singleSignOn: SingleSignOnService

    struct Credentials: Decodable {
        var email: String
        var password: String
        var totp_code: String?
        var backup_code: String?
    }

    /// A session and its user.
    struct SignedIn: Sendable {
        var issued: Sessions.Issued
        var user: UserRecord
    }

    /// The refusal of an account held back after wrong passwords.
    static func accountLocked(retryAfter: Int) -> DomainError {
        .tooManyAttempts(retryAfter: retryAfter, "too many wrong passwords for this account; retry in \(retryAfter) s")
    }

    /// Signs in with an email, a password and, when the account has two-factor login, a code.
    /// `secure`: the request was encrypted (recorded in the audit log); `accessLifetime`: how long
    /// the session's access token lasts.
    func login(
        _ credentials: Credentials, client: Sessions.Client, secure: Bool, accessLifetime: TimeInterval = Sessions.accessLifetime
    ) async throws -> SignedIn {
        if let retryAfter = addressLimiter.wait(client.ip) {
            throw DomainError.tooManyAttempts(retryAfter: retryAfter, "too many requests; retry in \(retryAfter) s")
        }
        guard try await singleSignOn.passwordLoginAllowed() else {
            throw DomainError.forbidden(code: "password_login_disabled", "an admin turned password login off: sign in through single sign-on")
        }
        let email = credentials.email.lowercased()
        if let retryAfter = throttle.wait(for: email) { throw Self.accountLocked(retryAfter: retryAfter) }
        let user = try await store.database.read { db in try UserRepository.find(db, email: email) }
        let valid = try await Secrets.verifyPassword(credentials.password, hash: user?.passwordHash ?? UserRecord.placeholderHash)
        guard let user, valid, user.active else {
            _ = addressLimiter.acquire(client.ip)
            if !valid { throttle.failed(email) }
            try await audit(AuditLog.Actor(userID: user?.id, email: FieldRules.printable(email), clientIP: client.ip), "login_failed")
            throw DomainError.unauthenticated("wrong email or password, or the account is deactivated")
        }
        return try await signIn(
            user, totpCode: credentials.totp_code, backupCode: credentials.backup_code, client: client, secure: secure,
            accessLifetime: accessLifetime)
    }

    /// The second step of a login whose password was right but that had no second factor yet,
    /// for clients that ask for it in a second request (Nginx Proxy Manager's API): `userID` is
    /// the account whose password was checked. Limited like a login.
    func completeSecondFactor(
        userID: Int64, totpCode: String?, backupCode: String?, client: Sessions.Client, secure: Bool, accessLifetime: TimeInterval
    ) async throws -> SignedIn {
        if let retryAfter = addressLimiter.wait(client.ip) {
            throw DomainError.tooManyAttempts(retryAfter: retryAfter, "too many requests; retry in \(retryAfter) s")
        }
        guard let user = try await store.database.read({ db in try UserRepository.find(db, id: userID) }), user.active else {
            throw DomainError.unauthenticated("the account no longer exists or is deactivated")
        }
        if let retryAfter = throttle.wait(for: user.email) { throw Self.accountLocked(retryAfter: retryAfter) }
        return try await signIn(user, totpCode: totpCode, backupCode: backupCode, client: client, secure: secure, accessLifetime: accessLifetime)
    }

    /// After the password: the second factor when the account has one, then the session.
    private func signIn(
        _ user: UserRecord, totpCode: String?, backupCode: String?, client: Sessions.Client, secure: Bool, accessLifetime: TimeInterval
    ) async throws -> SignedIn {
        let email = user.email
        let actor = AuditLog.Actor(userID: user.id, email: user.email, clientIP: client.ip)
        let secondFactor: TwoFactorService.SecondFactor
        do {
            secondFactor = try await twoFactor.verify(userID: user.id, code: totpCode, backupCode: backupCode)
        } catch let refusal as TwoFactorService.Refusal {
            // The password was right; a wrong second factor still counts against the account.
            if refusal != .codeRequired {
                _ = addressLimiter.acquire(client.ip)
                throttle.failed(email)
            }
            try await audit(
                actor, "login_failed", details: ["reason": refusal == .codeRequired ? "two_factor_code_missing" : "two_factor_code_wrong"])
            throw refusal
        }
        throttle.succeeded(email)
        let issued = try await store.database.write(essential: true) { db -> Sessions.Issued in
            let issued = try sessions.create(userID: user.id, client: client, in: db, accessLifetime: accessLifetime)
            try AuditLog.record(
                db, actor, action: "login", resourceType: "session", details: ["secure": secure, "second_factor": secondFactor.rawValue])
            return issued
        }
        return SignedIn(issued: issued, user: user)
    }

    /// New tokens for a valid refresh token (the old ones stop working).
    func refresh(_ token: String, client: Sessions.Client) async throws -> SignedIn {
        guard let (issued, userID) = try await sessions.refresh(token, client: client),
            let user = try await store.database.read({ db in try UserRepository.find(db, id: userID) })
        else { throw DomainError.unauthenticated("the refresh token is invalid or expired") }
        return SignedIn(issued: issued, user: user)
    }

    /// Ends the caller's session (an API token has none to end) and audits it.
    func logout(_ identity: Identity, clientIP: String) async throws {
        if let session = identity.sessionID { try await sessions.end(sessionID: session) }
        try await audit(AuditLog.Actor(identity, clientIP: clientIP), "logout")
    }

    /// The caller's account.
    func account(_ identity: Identity) async throws -> UserRecord {
        guard let user = try await store.database.read({ db in try UserRepository.find(db, id: identity.userID) }) else {
            throw DomainError.unauthenticated("the account no longer exists")
        }
        return user
    }

    private func audit(_ actor: AuditLog.Actor, _ action: String, details: KeyValuePairs<String, any JSONRepresentable> = [:]) async throws {
        let details = JSON.with(details)
        try await store.database.write { db in try AuditLog.record(db, actor, action: action, resourceType: "session", details: details) }
    }
}
