/// Asks for the signed-in user's current password before a change to the account's security
/// (a new password, two-factor enrolment or removal, new backup codes). Wrong answers count
/// against the account like wrong logins (``LoginThrottle``), and a held-back account is
/// refused before the password is hashed.
struct PasswordConfirmation: Sendable {
    let store: Store
    let throttle: LoginThrottle

    /// The user, when `password` is theirs; refused as invalid naming `field` otherwise, and as
    /// too many attempts while the account is held back.
    func confirm(userID: Int64, password: String, field: String) async throws -> UserRecord {
        guard let user = try await store.database.read({ db in try UserRepository.find(db, id: userID) }) else {
            throw DomainError.unauthenticated("the account no longer exists")
        }
        let account = user.email.lowercased()
        if let retryAfter = throttle.wait(for: account) { throw LoginService.accountLocked(retryAfter: retryAfter) }
        guard try await Secrets.verifyPassword(password, hash: user.passwordHash) else {
            throttle.failed(account)
            throw DomainError.invalid(ValidationFailure(field, "is wrong"))
        }
        return user
    }
}
