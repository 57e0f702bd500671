import Foundation
import JSONCore

/// A user account as stored (read and written by ``UserRepository``).
struct UserRecord: Sendable {
    var id: Int64
    var email: String
    var name: String
    var passwordHash: String
    var role: Identity.Role
    var active: Bool
    var twoFactorEnabled: Bool
    /// Tied to an account at the identity provider (signs in through it).
    var singleSignOn: Bool
    var createdOn: Date
    var modifiedOn: Date

    /// A valid bcrypt hash of nothing anyone types, verified when the email is unknown.
    static let placeholderHash = Secrets.hashPasswordBlocking(Secrets.token(prefix: ""))

    init(row: SQLRow) {
        id = row["id"]
        email = row["email"]
        name = row["name"]
        passwordHash = row["password_hash"]
        role = Identity.Role(rawValue: row["role"]) ?? .viewer
        active = row["active"]
        twoFactorEnabled = row["totp_enabled"] ?? false
        singleSignOn = (row["sso_subject"] as String?) != nil
        createdOn = row["created_on"]
        modifiedOn = row["modified_on"]
    }

    static func fetch(_ db: any SQLConnection, id: Int64) throws -> UserRecord? { try UserRepository.find(db, id: id) }

    static func fetch(_ db: any SQLConnection, email: String) throws -> UserRecord? { try UserRepository.find(db, email: email) }

    /// The API's view: never the password hash.
    var json: JSON {
        .with([
            "id": id, "email": email, "name": name, "role": role.rawValue, "active": active, "two_factor_enabled": twoFactorEnabled,
            "single_sign_on": singleSignOn, "created_on": createdOn, "modified_on": modifiedOn,
        ])
    }
}
