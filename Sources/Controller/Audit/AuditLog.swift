import JSONCore

/// Writes audit entries, always inside the transaction of the change they describe.
enum AuditLog {
    /// Who did it and from where.
    struct Actor: Sendable {
        var userID: Int64?
        var email: String?
        var clientIP: String

        init(_ identity: Identity?, clientIP: String) {
            userID = identity?.userID
            email = identity?.email
            self.clientIP = clientIP
        }

        init(userID: Int64?, email: String?, clientIP: String) {
            self.userID = userID
            self.email = email
            self.clientIP = clientIP
        }
    }

    /// One page of entries matching `filter`, newest first, and how many match in all.
    static func page(_ store: Store, filter: AuditRepository.Filter, page: Int, limit: Int) async throws -> (entries: [AuditEntry], total: Int) {
        try await store.database.read { db in try AuditRepository.page(db, filter: filter, page: page, limit: limit) }
    }

    static func record(
        _ db: any SQLConnection, _ actor: Actor, action: String, resourceType: String, resourceID: Int64? = nil,
        details: KeyValuePairs<String, any JSONRepresentable> = [:], serverID: Int64? = nil
    ) throws {
        try record(db, actor, action: action, resourceType: resourceType, resourceID: resourceID, details: JSON.with(details), serverID: serverID)
    }

    /// Records an entry whose details are built step by step; they are stored with members by name.
    static func record(
        _ db: any SQLConnection, _ actor: Actor, action: String, resourceType: String, resourceID: Int64? = nil, details: JSON, serverID: Int64? = nil
    ) throws {
        let json = String(decoding: details.canonical().serialized(), as: UTF8.self)
        try AuditRepository.insert(
            db, actor: actor, action: action, resourceType: resourceType, resourceID: resourceID, details: json, serverID: serverID)
    }
}
