/// Two-factor login as the account sees it: each change to one's own second factor first asks
/// for one's password (``PasswordConfirmation``); it cannot be turned off while an admin
/// requires it for everyone (`require_two_factor`); an admin resets another user's, which ends
/// their sessions; every change is audited. ``TwoFactorService`` keeps the secrets and codes.
struct TwoFactorAccounts: Sendable {
    let store: Store
    let twoFactor: TwoFactorService
    let passwords: PasswordConfirmation

    /// The account's two-factor state, and whether an admin requires it.
    func status(of identity: Identity) async throws -> (TwoFactorService.Status, required: Bool) {
        let status = try await twoFactor.status(userID: identity.userID)
        return (status, try await store.database.read { db in try SettingsRepository.value(db, "require_two_factor") == "true" })
    }

    /// Starts an enrolment after the password is confirmed.
    func beginEnrolment(for identity: Identity, password: String) async throws -> TwoFactorService.Enrolment {
        let user = try await passwords.confirm(userID: identity.userID, password: password, field: "password")
        return try await twoFactor.begin(userID: user.id, account: user.email)
    }

    /// The QR code of the enrolment waiting for its first code.
    func pendingQRCode(for identity: Identity) async throws -> QRCode {
        try await twoFactor.pendingQRCode(userID: identity.userID, account: identity.email)
    }

    /// Switches two-factor login on with the authenticator's first code; returns the backup codes, shown once.
    func confirmEnrolment(for identity: Identity, code: String, by actor: AuditLog.Actor) async throws -> [String] {
        let codes: [String]
        do {
            codes = try await twoFactor.confirm(userID: identity.userID, code: code)
        } catch TwoFactorService.Refusal.invalidCode {
            throw DomainError.invalid(ValidationFailure("code", "is not the authenticator's current code (check the phone's clock)"))
        }
        try await audit(actor, "enable_two_factor", userID: identity.userID)
        return codes
    }

    /// Replaces the backup codes after the password is confirmed; returns the new ones, shown once.
    func replaceBackupCodes(for identity: Identity, password: String, by actor: AuditLog.Actor) async throws -> [String] {
        _ = try await passwords.confirm(userID: identity.userID, password: password, field: "password")
        let codes = try await twoFactor.newBackupCodes(userID: identity.userID)
        try await audit(actor, "new_backup_codes", userID: identity.userID)
        return codes
    }

    /// Switches one's own two-factor login off after the password is confirmed.
    func disable(for identity: Identity, password: String, by actor: AuditLog.Actor) async throws {
        _ = try await passwords.confirm(userID: identity.userID, password: password, field: "password")
        try await store.database.write { db in
            guard try SettingsRepository.value(db, "require_two_factor") != "true" else {
                throw DomainError.conflict(field: nil, "an admin requires two-factor login for everyone; it cannot be turned off")
            }
            try twoFactor.disable(userID: identity.userID, in: db)
            try AuditLog.record(db, actor, action: "disable_two_factor", resourceType: "user", resourceID: identity.userID)
        }
    }

    /// An admin's recovery of another user's account: their two-factor login off, their sessions ended.
    func reset(userID: Int64, by admin: Identity, actor: AuditLog.Actor) async throws {
        guard userID != admin.userID else {
            throw DomainError.forbidden("turn off your own two-factor login on your account page, with your password")
        }
        try await store.database.write { db in
            guard try UserRepository.find(db, id: userID) != nil else { throw DomainError.notFound("user") }
            try twoFactor.disable(userID: userID, in: db)
            let ended = try UserRepository.endSessions(db, userID: userID)
            try AuditLog.record(db, actor, action: "reset_two_factor", resourceType: "user", resourceID: userID, details: ["sessions_ended": ended])
        }
    }

    private func audit(_ actor: AuditLog.Actor, _ action: String, userID: Int64) async throws {
        try await store.database.write { db in try AuditLog.record(db, actor, action: action, resourceType: "user", resourceID: userID) }
    }
}
