import Foundation
import GRDB

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

    static func record(
        _ db: Database, _ actor: Actor, action: String, resourceType: String, resourceID: Int64? = nil,
        details: [String: Any] = [:], serverID: Int64? = nil
    ) throws {
        let json = (try? JSONSerialization.data(withJSONObject: details, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        try AuditRepository.insert(
            db, actor: actor, action: action, resourceType: resourceType, resourceID: resourceID, details: json, serverID: serverID)
    }
}
