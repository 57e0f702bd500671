import Crypto
import Foundation

/// Two-factor login (TOTP) for one account: enrolment (a secret shown as a QR code and a key,
/// switched on by the first right code), the check at login (an authenticator code, or one of
/// ten one-time backup codes), new backup codes, and switching it off. Secrets are sealed with
/// the controller's AES-256-GCM key, so a copied database does not reveal them.
struct TwoFactorService: Sendable {
    let store: Store
    let vault: CredentialVault

    /// Why a two-factor step was refused.
    enum Refusal: Error, Equatable {
        /// The account has two-factor login on and no code came with the password.
        case codeRequired
        /// The code is wrong, expired, already used, or the backup code is unknown or used.
        case invalidCode
        /// Enrolment asked for while two-factor login is already on.
        case alreadyEnabled
        /// A confirmation or QR code asked for with no enrolment started.
        case noEnrolment
        /// The sealed secret cannot be opened (a backup restored under another controller's key).
        case secretUnreadable
    }

    struct Status: Sendable {
        var enabled: Bool
        var pending: Bool
        var backupCodesLeft: Int
    }

    /// A started enrolment: what the authenticator app needs, and the URI as a QR code.
    struct Enrolment: Sendable {
        var secret: String
        var uri: String
        var qrCode: QRCode
    }

    static let backupCodeCount = 10

    func status(userID: Int64) async throws -> Status {
        try await store.database.read { db in
            let row = try TwoFactorStore.fetch(db, userID: userID)
            return Status(
                enabled: row?.enabled ?? false, pending: row?.enabled == false && row?.sealedSecret != nil,
                backupCodesLeft: try TwoFactorStore.unusedBackupCodes(db, userID: userID))
        }
    }

    /// Starts (or restarts) an enrolment with a new secret.
    func begin(userID: Int64, account: String) async throws -> Enrolment {
        let secret = TOTP.newSecret()
        let sealed = try vault.seal(Data(secret))
        try await store.database.write { db in
            guard try TwoFactorStore.fetch(db, userID: userID)?.enabled != true else { throw Refusal.alreadyEnabled }
            try TwoFactorStore.setPending(db, userID: userID, sealedSecret: sealed)
        }
        let uri = TOTP.provisioningURI(secret: secret, account: account)
        return Enrolment(secret: Base32.encode(secret), uri: uri, qrCode: QRCode(uri)!)
    }

    /// The pending enrolment's QR code (an active secret is never shown again).
    func pendingQRCode(userID: Int64, account: String) async throws -> QRCode {
        let row = try await store.database.read { db in try TwoFactorStore.fetch(db, userID: userID) }
        guard let row, !row.enabled, let sealed = row.sealedSecret else { throw Refusal.noEnrolment }
        let uri = TOTP.provisioningURI(secret: try secret(sealed), account: account)
        return QRCode(uri)!
    }

    /// The first right code switches two-factor login on; returns the backup codes, shown once.
    func confirm(userID: Int64, code: String, now: Date = Date()) async throws -> [String] {
        let codes = Self.newBackupCodes()
        try await store.database.write { db in
            guard let row = try TwoFactorStore.fetch(db, userID: userID), let sealed = row.sealedSecret else { throw Refusal.noEnrolment }
            guard !row.enabled else { throw Refusal.alreadyEnabled }
            guard let step = TOTP.accept(code, secret: try secret(sealed), now: now, lastAccepted: nil) else { throw Refusal.invalidCode }
            try TwoFactorStore.enable(db, userID: userID, step: step)
            try TwoFactorStore.replaceBackupCodes(db, userID: userID, hashes: codes.map { Self.hash($0, userID: userID) })
        }
        return codes
    }

    /// What proved a login beside the password.
    enum SecondFactor: String, Sendable {
        case none, totp = "totp", backupCode = "backup_code"
    }

    /// The second factor of a login. Passes when two-factor login is off; otherwise needs a code
    /// newer than the last one accepted, or an unused backup code (then used up).
    func verify(userID: Int64, code: String?, backupCode: String?, now: Date = Date()) async throws -> SecondFactor {
        if let backupCode, let carried = try await carriedBackupCode(userID: userID, matching: backupCode) {
            let used = try await store.database.write(essential: true) { db in
                try TwoFactorStore.fetch(db, userID: userID)?.enabled == true && TwoFactorStore.useBackupCode(db, userID: userID, hash: carried)
            }
            if used { return .backupCode }
        }
        // Part of a login: essential (it still goes through on a full disk).
        return try await store.database.write(essential: true) { db in
            guard let row = try TwoFactorStore.fetch(db, userID: userID), row.enabled, let sealed = row.sealedSecret else { return .none }
            if let backupCode {
                guard try TwoFactorStore.useBackupCode(db, userID: userID, hash: Self.hash(backupCode, userID: userID)) else {
                    throw Refusal.invalidCode
                }
                return .backupCode
            }
            guard let code else { throw Refusal.codeRequired }
            guard let step = TOTP.accept(code, secret: try secret(sealed), now: now, lastAccepted: row.lastStep),
                try TwoFactorStore.accept(db, userID: userID, step: step)
            else { throw Refusal.invalidCode }
            return .totp
        }
    }

    /// The stored bcrypt hash (a backup code carried over from Nginx Proxy Manager, which
    /// compares codes upper-cased) that `code` matches, checked off the cooperative pool; nil
    /// when none does.
    private func carriedBackupCode(userID: Int64, matching code: String) async throws -> String? {
        let hashes = try await store.database.read { db in try TwoFactorStore.unusedBcryptBackupCodes(db, userID: userID) }
        for hash in hashes where try await Secrets.verifyPassword(code.uppercased(), hash: hash) { return hash }
        return nil
    }

    /// Replaces every backup code; returns the new ones, shown once.
    func newBackupCodes(userID: Int64) async throws -> [String] {
        let codes = Self.newBackupCodes()
        try await store.database.write { db in
            guard try TwoFactorStore.fetch(db, userID: userID)?.enabled == true else { throw Refusal.noEnrolment }
            try TwoFactorStore.replaceBackupCodes(db, userID: userID, hashes: codes.map { Self.hash($0, userID: userID) })
        }
        return codes
    }

    /// Switches two-factor login off (the user, or an admin recovering their account), inside
    /// the caller's transaction.
    func disable(userID: Int64, in db: any SQLConnection) throws {
        try TwoFactorStore.clear(db, userID: userID)
    }

    private func secret(_ sealed: String) throws -> [UInt8] {
        do { return Array(try vault.open(sealed)) } catch { throw Refusal.secretUnreadable }
    }

    /// Ten codes of ten characters (about 50 random bits each), grouped `xxxxx-xxxxx`.
    private static func newBackupCodes() -> [String] {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        return (0..<backupCodeCount).map { _ in
            let characters = (0..<10).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
            return String(characters[0..<5]) + "-" + String(characters[5...])
        }
    }

    /// The stored form of a backup code: SHA-256 of the user id and the code as typed, without
    /// spaces, dashes or case.
    private static func hash(_ code: String, userID: Int64) -> String {
        let normalized = code.lowercased().filter { $0.isLetter || $0.isNumber }
        return Secrets.hex(SHA256.hash(data: Data("\(userID):\(normalized)".utf8)))
    }
}
