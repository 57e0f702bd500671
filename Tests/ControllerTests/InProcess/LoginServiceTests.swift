import Foundation
import Testing
import TestSupport

@testable import Controller

/// Password login, refresh and logout through ``LoginService`` on a temporary SQLite file, and
/// one's own two-factor login through ``TwoFactorAccounts``: refusals are domain errors, every
/// outcome is audited.
@Suite struct LoginServiceTests {
    let folder: TemporaryFolder
    let store: Store
    let login: LoginService
    let accounts: TwoFactorAccounts
    static let client = Sessions.Client(ip: "192.0.2.7", userAgent: "tests")

    init() throws {
        folder = try TemporaryFolder()
        store = try Store(path: folder.file("test.sqlite"))
        let vault = try CredentialVault(dataDirectory: folder.path)
        let sessions = Sessions(store: store)
        let throttle = LoginThrottle(freeFailures: 2, firstDelay: 30)
        let twoFactor = TwoFactorService(store: store, vault: vault)
        login = LoginService(
            store: store, sessions: sessions, addressLimiter: RateLimiter(limit: 100), throttle: throttle, twoFactor: twoFactor,
            singleSignOn: SingleSignOnService(
                store: store, vault: vault, client: ProviderClient(trustedRootFiles: []), sessions: sessions, passwordLoginForced: false))
        accounts = TwoFactorAccounts(store: store, twoFactor: twoFactor, passwords: PasswordConfirmation(store: store, throttle: throttle))
    }

    private func actions() async throws -> [String] {
        try await store.database.read { db in
            try AuditRepository.page(db, filter: .init(), page: 1, limit: 50).entries.map(\.action).reversed()
        }
    }

    private func credentials(_ password: String, code: String? = nil) -> LoginService.Credentials {
        LoginService.Credentials(email: "Admin@Example.test", password: password, totp_code: code)
    }

    @Test func aRightPasswordSignsInAndWrongOnesHoldTheAccountBack() async throws {
        defer { folder.remove() }
        _ = try await FirstStart.ensureAdmin(store, email: "admin@example.test", password: "correct horse battery")
        let signedIn = try await login.login(credentials("correct horse battery"), client: Self.client, secure: true)
        #expect(signedIn.user.email == "admin@example.test" && !signedIn.issued.accessToken.isEmpty)
        let refreshed = try await login.refresh(signedIn.issued.refreshToken, client: Self.client)
        #expect(refreshed.user.id == signedIn.user.id)
        await #expect(throws: DomainError.unauthenticated("the refresh token is invalid or expired")) {
            try await login.refresh(signedIn.issued.refreshToken, client: Self.client)
        }
        for _ in 0..<2 {
            await #expect(throws: DomainError.unauthenticated("wrong email or password, or the account is deactivated")) {
                try await login.login(credentials("wrong"), client: Self.client, secure: true)
            }
        }
        // Held back now: even the right password waits, and is not checked.
        await #expect {
            try await login.login(credentials("correct horse battery"), client: Self.client, secure: true)
        } throws: { error in
            // The wait counts down from 30 s while the test runs.
            guard case DomainError.tooManyAttempts(let wait, let message) = error else { return false }
            return (1...30).contains(wait) && message == "too many wrong passwords for this account; retry in \(wait) s"
        }
        #expect(try await actions() == ["create", "login", "login_failed", "login_failed"])
    }

    @Test func twoFactorIsAskedForAndTurnedOffOnlyWithThePassword() async throws {
        defer { folder.remove() }
        _ = try await FirstStart.ensureAdmin(store, email: "admin@example.test", password: "correct horse battery")
        let user = try #require(try await store.database.read { db in try UserRepository.find(db, email: "admin@example.test") })
        let identity = Identity(userID: user.id, email: user.email, role: .admin, credential: .apiToken(tokenID: 0))
        let actor = AuditLog.Actor(identity, clientIP: "192.0.2.7")
        await #expect(throws: DomainError.invalid(ValidationFailure("password", "is wrong"))) {
            try await accounts.beginEnrolment(for: identity, password: "wrong")
        }
        let enrolment = try await accounts.beginEnrolment(for: identity, password: "correct horse battery")
        let secret = try #require(Base32.decode(enrolment.secret))
        await #expect(throws: DomainError.invalid(ValidationFailure("code", "is not the authenticator's current code (check the phone's clock)"))) {
            try await accounts.confirmEnrolment(for: identity, code: "000000", by: actor)
        }
        let backupCodes = try await accounts.confirmEnrolment(for: identity, code: TOTP.code(secret: secret, step: TOTP.step(at: Date())), by: actor)
        #expect(backupCodes.count == TwoFactorService.backupCodeCount)
        #expect(try await accounts.status(of: identity).0.enabled)
        await #expect(throws: TwoFactorService.Refusal.codeRequired) {
            try await login.login(credentials("correct horse battery"), client: Self.client, secure: false)
        }
        _ = try await login.login(
            LoginService.Credentials(email: "admin@example.test", password: "correct horse battery", backup_code: backupCodes[0]),
            client: Self.client, secure: false)
        try await store.database.write { db in try SettingsRepository.set(db, "require_two_factor", "true") }
        await #expect(throws: DomainError.conflict(field: nil, "an admin requires two-factor login for everyone; it cannot be turned off")) {
            try await accounts.disable(for: identity, password: "correct horse battery", by: actor)
        }
        try await store.database.write { db in try SettingsRepository.set(db, "require_two_factor", "false") }
        try await accounts.disable(for: identity, password: "correct horse battery", by: actor)
        #expect(try await accounts.status(of: identity).0.enabled == false)
        await #expect(throws: DomainError.forbidden("turn off your own two-factor login on your account page, with your password")) {
            try await accounts.reset(userID: identity.userID, by: identity, actor: actor)
        }
        #expect(try await actions() == ["create", "enable_two_factor", "login_failed", "login", "disable_two_factor"])
    }
}
