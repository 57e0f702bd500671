import Foundation
import JSONCore

/// A stored resource: the common columns and the kind's payload as JSON. Read and written by
/// ``ResourceRepository``.
struct ResourceRow: Sendable {
    var id: Int64
    var type: String
    var serverID: Int64
    var ownerUserID: Int64?
    var enabled: Bool
    var data: String
    var applyStatus: String
    var applyMessage: String?
    var createdOn: Date
    var modifiedOn: Date

    init(row: SQLRow) {
        id = row["id"]
        type = row["type"]
        serverID = row["server_id"]
        ownerUserID = row["owner_user_id"]
        enabled = row["enabled"]
        data = row["data"]
        applyStatus = row["apply_status"]
        applyMessage = row["apply_message"]
        createdOn = row["created_on"]
        modifiedOn = row["modified_on"]
    }

    /// The API's view: the common members, then the members of `payload` (the stored payload, or
    /// its public form when it holds secrets).
    func view(payload: JSON) -> JSON {
        var status: JSON = ["status": .string(applyStatus)]
        if let applyMessage { status["message"] = .string(applyMessage) }
        let common = JSON.with([
            "id": id, "server_id": serverID, "owner_user_id": ownerUserID, "enabled": enabled, "created_on": createdOn, "modified_on": modifiedOn,
            "apply_status": status,
        ])
        return .object((common.objectMembers ?? []) + (payload.objectMembers ?? []))
    }
}
