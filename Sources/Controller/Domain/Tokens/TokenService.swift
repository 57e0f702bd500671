import Foundation

/// API tokens: shown once, stored as SHA-256, with the rights of their user, or, scoped to
/// `metrics`, only the right to read `/metrics`. Admins create and revoke their own, and may
/// revoke anyone's; a token not one's own is "not found" to others.
struct TokenService: Sendable {
    let store: Store

    func list(for identity: Identity) async throws -> [TokenRepository.Listing] {
        try await store.database.read { db in try TokenRepository.list(db, userID: identity.userID) }
    }

    /// A new token of the admin's; returns its id and the token itself (never shown again).
    func create(
        name requested: String, scope requestedScope: String?, for identity: Identity, by actor: AuditLog.Actor
    ) async throws -> (id: Int64, name: String, scope: TokenScope, token: String) {
        let name: String
        do { name = try FieldRules.text(requested, field: "name", maxLength: 100) } catch { throw DomainError.invalid(error) }
        guard let scope = TokenScope(rawValue: requestedScope ?? TokenScope.api.rawValue) else {
            throw DomainError.invalid(ValidationFailure("scope", "must be \"api\" (the whole API) or \"metrics\" (only GET /metrics)"))
        }
        let token = Secrets.token(prefix: "ppt_")
        let id = try await store.database.write { db -> Int64 in
            let id = try TokenRepository.insert(db, userID: identity.userID, name: name, scope: scope.rawValue, tokenHash: Secrets.tokenHash(token))
            try AuditLog.record(db, actor, action: "create", resourceType: "token", resourceID: id, details: ["name": name, "scope": scope.rawValue])
            return id
        }
        return (id, name, scope, token)
    }

    func revoke(_ id: Int64, as identity: Identity, by actor: AuditLog.Actor) async throws {
        try await store.database.write { db in
            guard let owner = try TokenRepository.owner(db, id: id), owner == identity.userID || identity.isAdmin else {
                throw DomainError.notFound("token")
            }
            try TokenRepository.delete(db, id: id)
            try AuditLog.record(db, actor, action: "delete", resourceType: "token", resourceID: id)
        }
    }
}
