import Foundation
import GRDB

/// A stored resource: the common columns and the kind's payload as JSON.
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

    init(row: Row) {
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

    static func fetch(_ db: Database, id: Int64, type: String) throws -> ResourceRow? {
        try Row.fetchOne(db, sql: "SELECT * FROM resources WHERE id = ? AND type = ?", arguments: [id, type]).map(ResourceRow.init)
    }

    /// The API's view: the payload's public fields and the common ones.
    func json(payload: [String: Any]) -> [String: Any] {
        let dates = ISO8601DateFormatter()
        var object = payload
        object["id"] = id
        object["server_id"] = serverID
        object["owner_user_id"] = ownerUserID ?? NSNull()
        object["enabled"] = enabled
        object["created_on"] = dates.string(from: createdOn)
        object["modified_on"] = dates.string(from: modifiedOn)
        var status: [String: Any] = ["status": applyStatus]
        if let applyMessage { status["message"] = applyMessage }
        object["apply_status"] = status
        return object
    }
}
