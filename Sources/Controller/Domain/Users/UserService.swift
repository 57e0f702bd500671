import Foundation
import JSONCore

/// User accounts as admins manage them, and everyone's own password. Deactivating a user or
/// resetting their password ends their sessions at once (their API tokens stop working too,
/// since every check reads `active`); deleting one deletes their sessions and tokens; nobody
/// deletes, deactivates or demotes themselves. Every change is audited in its transaction.
struct UserService: Sendable {
    let store: Store
    /// The current password before a change of one's own (counted like wrong logins).
    let passwords: PasswordConfirmation

    /// What an admin sets, as the API's body names it; nil leaves a field as it is (at creation
    /// every one but `active` is needed).
    struct Changes: Sendable, Decodable {
        var email: String?
        var name: String?
        var password: String?
        var role: String?
        var active: Bool?
    }

    func page(_ page: Int, limit: Int) async throws -> (users: [UserRecord], total: Int) {
        try await store.database.read { db in try UserRepository.page(db, page: page, limit: limit) }
    }

    /// One account: admins see any, others only their own.
    func get(_ id: Int64, as identity: Identity) async throws -> UserRecord {
        guard identity.isAdmin || identity.userID == id else { throw DomainError.forbidden("viewers see only their own account") }
        guard let user = try await store.database.read({ db in try UserRepository.find(db, id: id) }) else { throw DomainError.notFound("user") }
        return user
    }

    func create(_ changes: Changes, by actor: AuditLog.Actor) async throws -> UserRecord {
        let valid = try Self.validated(changes)
        let missing = [("email", valid.email == nil), ("name", valid.name == nil), ("password", valid.password == nil), ("role", valid.role == nil)]
        if let field = missing.first(where: \.1)?.0 { throw DomainError.invalid(ValidationFailure(field, "is required")) }
        let (email, name, password, role) = (valid.email!, valid.name!, valid.password!, valid.role!)
        let hash = try await Secrets.hashPassword(password)
        return try await store.database.write { db in
            guard try UserRepository.find(db, email: email) == nil else {
                throw DomainError.conflict(field: "email", "a user with this email exists")
            }
            let id = try UserRepository.insert(db, email: email, name: name, passwordHash: hash, role: role, active: changes.active ?? true)
            try AuditLog.record(db, actor, action: "create", resourceType: "user", resourceID: id, details: ["email": email, "role": role.rawValue])
            return try UserRepository.find(db, id: id)!
        }
    }

    func update(_ id: Int64, _ changes: Changes, by actor: AuditLog.Actor) async throws -> UserRecord {
        let valid = try Self.validated(changes)
        if id == actor.userID, valid.role == .viewer || changes.active == false {
            throw DomainError.forbidden("you cannot demote or deactivate your own account")
        }
        let hash: String? = if let password = valid.password { try await Secrets.hashPassword(password) } else { nil }
        return try await store.database.write { db in
            guard var user = try UserRepository.find(db, id: id) else { throw DomainError.notFound("user") }
            let before = user
            if let email = valid.email, email != user.email {
                guard try UserRepository.find(db, email: email) == nil else {
                    throw DomainError.conflict(field: "email", "a user with this email exists")
                }
                user.email = email
            }
            user.name = valid.name ?? user.name
            user.role = valid.role ?? user.role
            user.active = changes.active ?? user.active
            try UserRepository.update(db, user, passwordHash: hash)
            // Deactivation, or a password reset, ends every session of the user at once.
            if !user.active || hash != nil { try UserRepository.endSessions(db, userID: id) }
            // The fields that changed (a form sends every field); a password given is a change.
            let changed = [
                ("email", user.email != before.email), ("name", user.name != before.name), ("role", user.role != before.role),
                ("active", user.active != before.active), ("password", hash != nil),
            ].filter(\.1).map(\.0)
            var details = JSON.with(["fields": changed])
            if let active = changes.active { details["active"] = .bool(active) }
            try AuditLog.record(db, actor, action: "update", resourceType: "user", resourceID: id, details: details)
            return try UserRepository.find(db, id: id)!
        }
    }

    func delete(_ id: Int64, by actor: AuditLog.Actor) async throws {
        guard id != actor.userID else { throw DomainError.forbidden("nobody deletes their own account") }
        try await store.database.write { db in
            guard let user = try UserRepository.find(db, id: id) else { throw DomainError.notFound("user") }
            try UserRepository.delete(db, id: id)
            try AuditLog.record(db, actor, action: "delete", resourceType: "user", resourceID: id, details: ["email": user.email])
        }
    }

    /// Sets the user's own new password once `current` is confirmed as theirs; their other
    /// sessions end, `sessionID` (the one asking) stays.
    func changeOwnPassword(userID: Int64, sessionID: Int64?, current: String, to password: String, by actor: AuditLog.Actor) async throws {
        do { _ = try FieldRules.password(password, field: "new_password") } catch { throw DomainError.invalid(error) }
        _ = try await passwords.confirm(userID: userID, password: current, field: "current_password")
        let hash = try await Secrets.hashPassword(password)
        try await store.database.write { db in
            try UserRepository.setPasswordHash(db, id: userID, hash)
            try UserRepository.endSessions(db, userID: userID, keeping: sessionID)
            try AuditLog.record(db, actor, action: "change_password", resourceType: "user", resourceID: userID)
        }
    }

    /// The live sessions of user `id` (admins: anyone's; others: their own), newest first.
    func sessions(of id: Int64, as identity: Identity, sessions: Sessions) async throws -> [Sessions.Listing] {
        guard identity.isAdmin || identity.userID == id else { throw DomainError.forbidden("viewers see only their own sessions") }
        guard try await store.database.read({ db in try UserRepository.find(db, id: id) }) != nil else { throw DomainError.notFound("user") }
        return try await sessions.list(userID: id)
    }

    /// Ends every session of user `id` (admins: anyone's; others: their own); returns how many.
    func endSessions(of id: Int64, as identity: Identity, by actor: AuditLog.Actor) async throws -> Int {
        guard identity.isAdmin || identity.userID == id else { throw DomainError.forbidden("only an admin signs out another user") }
        return try await store.database.write { db in
            guard try UserRepository.find(db, id: id) != nil else { throw DomainError.notFound("user") }
            let ended = try UserRepository.endSessions(db, userID: id)
            try AuditLog.record(db, actor, action: "end_sessions", resourceType: "user", resourceID: id, details: ["sessions": ended])
            return ended
        }
    }

    /// Ends one session of user `id` (admins: anyone's; others: their own), as when a browser
    /// left signed in somewhere is signed out from here.
    func endSession(_ sessionID: Int64, of id: Int64, as identity: Identity, by actor: AuditLog.Actor) async throws {
        guard identity.isAdmin || identity.userID == id else { throw DomainError.forbidden("only an admin signs out another user") }
        try await store.database.write { db in
            guard try UserRepository.endSession(db, sessionID, userID: id) else { throw DomainError.notFound("session") }
            try AuditLog.record(db, actor, action: "end_session", resourceType: "user", resourceID: id, details: ["session": sessionID])
        }
    }

    /// The fields given, checked: email, a name, a password within bcrypt's limit, a role.
    private static func validated(_ changes: Changes) throws -> (email: String?, name: String?, password: String?, role: Identity.Role?) {
        do {
            return (
                try changes.email.map { try FieldRules.email($0, field: "email") },
                try changes.name.map { try FieldRules.text($0, field: "name") },
                try changes.password.map { try FieldRules.password($0, field: "password") },
                try changes.role.map { value in
                    guard let role = Identity.Role(rawValue: value) else { throw ValidationFailure("role", "must be admin or viewer") }
                    return role
                }
            )
        } catch let failure as ValidationFailure {
            throw DomainError.invalid(failure)
        }
    }
}
