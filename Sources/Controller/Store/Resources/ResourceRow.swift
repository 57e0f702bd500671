import Foundation
import GRDB

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

    /// The API's view as JSON text: the common members spliced into the payload's JSON object
    /// text, which is never parsed (listing thousands of resources stays cheap).
    func jsonText(payload: String) -> String {
        var status = #"{"status":\#(Self.quoted(applyStatus))"#
        if let applyMessage { status += #","message":\#(Self.quoted(applyMessage))"# }
        status += "}"
        let common =
            #""id":\#(id),"server_id":\#(serverID),"owner_user_id":\#(ownerUserID.map(String.init) ?? "null"),"enabled":\#(enabled),"#
            + #""created_on":"\#(createdOn.formatted(.iso8601))","modified_on":"\#(modifiedOn.formatted(.iso8601))","apply_status":\#(status)"#
        let body = payload.trimmingCharacters(in: .whitespaces)
        guard body.hasPrefix("{") else { return "{\(common)}" }
        let rest = body.dropFirst().trimmingCharacters(in: .whitespaces)
        return rest == "}" ? "{\(common)}" : "{\(common),\(rest)"
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data(#""""#.utf8), as: UTF8.self)
    }
}
