import Foundation
import JSONCore

/// The `single_sign_on` table (one row: the provider settings, lists as JSON) and the users
/// table's `sso_subject` column, which ties an account to one provider's subject
/// (`ISSUER SUB`) for good.
enum SingleSignOnStore {
    static func load(_ db: any SQLConnection) throws -> SingleSignOnSettings {
        guard let row = try db.row("SELECT * FROM single_sign_on WHERE id = 1") else { return SingleSignOnSettings() }
        func list(_ column: String) -> [String] {
            (try? JSONParser.parse(Array((row[column] as String? ?? "[]").utf8)))?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        var settings = SingleSignOnSettings()
        settings.enabled = row["enabled"]
        settings.issuer = row["issuer"]
        settings.clientID = row["client_id"]
        settings.sealedClientSecret = row["client_secret"]
        settings.scopes = list("scopes")
        settings.roleClaim = row["role_claim"]
        settings.adminValues = list("admin_values")
        settings.viewerValues = list("viewer_values")
        settings.defaultRole = (row["default_role"] as String?).flatMap(Identity.Role.init(rawValue:))
        settings.buttonLabel = row["button_label"]
        settings.passwordLogin = row["password_login"]
        settings.redirectURI = row["redirect_uri"]
        return settings
    }

    static func save(_ db: any SQLConnection, _ settings: SingleSignOnSettings) throws {
        func json(_ list: [String]) -> String {
            String(decoding: JSON.strings(list).serialized(), as: UTF8.self)
        }
        try db.execute(
            """
            INSERT INTO single_sign_on (id, enabled, issuer, client_id, client_secret, scopes, role_claim, admin_values, viewer_values,
                                        default_role, button_label, password_login, redirect_uri, modified_on)
            VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET enabled = excluded.enabled, issuer = excluded.issuer, client_id = excluded.client_id,
                client_secret = excluded.client_secret, scopes = excluded.scopes, role_claim = excluded.role_claim,
                admin_values = excluded.admin_values, viewer_values = excluded.viewer_values, default_role = excluded.default_role,
                button_label = excluded.button_label, password_login = excluded.password_login, redirect_uri = excluded.redirect_uri,
                modified_on = excluded.modified_on
            """,
            [
                settings.enabled, settings.issuer, settings.clientID, settings.sealedClientSecret, json(settings.scopes),
                settings.roleClaim, json(settings.adminValues), json(settings.viewerValues), settings.defaultRole?.rawValue,
                settings.buttonLabel, settings.passwordLogin, settings.redirectURI, Date(),
            ])
    }

    /// Who signed in at the provider, as this controller will record them.
    struct ProviderAccount: Sendable {
        var subject: String
        var email: String
        var emailVerified: Bool
        var name: String
        var role: Identity.Role
    }

    /// How an account was found.
    enum Match: String, Sendable {
        case subject, linkedByEmail = "linked_by_email", created
    }

    /// The user `account` signs in as, with the role brought up to date: the account already tied
    /// to the subject; else the one with the same email, tied now, if the provider verified that
    /// email and the account is tied to no one; else a new account (with a password no one
    /// knows). Refuses a deactivated account and an email that belongs to an account this
    /// subject may not take.
    static func signIn(_ db: any SQLConnection, _ account: ProviderAccount) throws -> (UserRecord, Match) {
        let now = Date()
        if let user = try db.row("SELECT * FROM users WHERE sso_subject = ?", [account.subject]).map(UserRecord.init) {
            guard user.active else { throw SingleSignOnError("account_deactivated", "the account \(user.email) is deactivated here") }
            try db.execute(
                "UPDATE users SET role = ?, modified_on = CASE WHEN role = ? THEN modified_on ELSE ? END WHERE id = ?",
                [account.role.rawValue, account.role.rawValue, now, user.id])
            return (try UserRecord.fetch(db, id: user.id)!, .subject)
        }
        if let row = try db.row("SELECT * FROM users WHERE email = ?", [account.email]) {
            let user = UserRecord(row: row)
            guard account.emailVerified, (row["sso_subject"] as String?) == nil else {
                throw SingleSignOnError(
                    "email_taken",
                    "an account with the email \(account.email) exists here, and the provider "
                        + (account.emailVerified ? "account is not the one it is tied to" : "has not verified that email, so it is not linked"))
            }
            guard user.active else { throw SingleSignOnError("account_deactivated", "the account \(user.email) is deactivated here") }
            try db.execute(
                "UPDATE users SET sso_subject = ?, role = ?, modified_on = ? WHERE id = ?", [account.subject, account.role.rawValue, now, user.id])
            return (try UserRecord.fetch(db, id: user.id)!, .linkedByEmail)
        }
        try db.execute(
            """
            INSERT INTO users (email, name, password_hash, role, active, sso_subject, created_on, modified_on) VALUES (?, ?, ?, ?, 1, ?, ?, ?)
            """, [account.email, account.name, UserRecord.placeholderHash, account.role.rawValue, account.subject, now, now])
        return (try UserRecord.fetch(db, id: db.lastInsertedID)!, .created)
    }
}
