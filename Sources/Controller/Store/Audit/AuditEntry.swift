import Foundation
import GRDB

/// One audit log row.
struct AuditEntry: Sendable {
    var id: Int64, createdOn: Date, userID: Int64?, userEmail: String?, action: String, resourceType: String
    var resourceID: Int64?, details: String, clientIP: String?, serverID: Int64?

    init(row: Row) {
        id = row["id"]
        createdOn = row["created_on"]
        userID = row["user_id"]
        userEmail = row["user_email"]
        action = row["action"]
        resourceType = row["resource_type"]
        resourceID = row["resource_id"]
        details = row["details"]
        clientIP = row["client_ip"]
        serverID = row["server_id"]
    }

    var json: [String: Any] {
        [
            "id": id, "created_on": createdOn.formatted(.iso8601), "user_id": userID ?? NSNull(), "user_email": userEmail ?? NSNull(),
            "action": action, "resource_type": resourceType, "resource_id": resourceID ?? NSNull(),
            "details": (try? JSONSerialization.jsonObject(with: Data(details.utf8))) ?? [:], "client_ip": clientIP ?? NSNull(),
            "server_id": serverID ?? NSNull(),
        ]
    }
}
