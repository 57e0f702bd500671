import Foundation
import JSONCore

/// One audit log row.
struct AuditEntry: Sendable {
    var id: Int64, createdOn: Date, userID: Int64?, userEmail: String?, action: String, resourceType: String
    var resourceID: Int64?, details: String, clientIP: String?, serverID: Int64?

    init(row: SQLRow) {
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

    /// The API's view; `details` as the JSON object it was stored as.
    var json: JSON {
        .with([
            "id": id, "created_on": createdOn, "user_id": userID, "user_email": userEmail, "action": action, "resource_type": resourceType,
            "resource_id": resourceID, "details": (try? JSONParser.parse(Array(details.utf8))) ?? [:], "client_ip": clientIP,
            "server_id": serverID,
        ])
    }
}
