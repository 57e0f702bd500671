import Foundation

/// Every read and write of `webhooks`: where notifications go, in which format, for which
/// events, and how the last delivery went.
enum WebhookRepository {
    struct Webhook: Sendable {
        var id: Int64
        var name: String
        var url: String
        var format: String
        var events: [String]
        var allowPrivateTarget: Bool
        var enabled: Bool
        var lastStatus: String?
        var lastError: String?
        var lastAttemptOn: Date?
        var createdOn: Date
    }

    static func all(_ db: any SQLConnection) throws -> [Webhook] {
        try db.rows("SELECT * FROM webhooks ORDER BY id").map(webhook)
    }

    static func find(_ db: any SQLConnection, id: Int64) throws -> Webhook? {
        try db.row("SELECT * FROM webhooks WHERE id = ?", [id]).map(webhook)
    }

    static func insert(_ db: any SQLConnection, name: String, url: String, format: String, events: [String], allowPrivateTarget: Bool) throws
        -> Int64
    {
        try db.execute(
            "INSERT INTO webhooks (name, url, format, events, allow_private_target, enabled, created_on) VALUES (?, ?, ?, ?, ?, 1, ?)",
            [name, url, format, events.joined(separator: ","), allowPrivateTarget, Date()])
        return db.lastInsertedID
    }

    static func delete(_ db: any SQLConnection, id: Int64) throws {
        try db.execute("DELETE FROM webhooks WHERE id = ?", [id])
    }

    /// How the last delivery to webhook `id` went: `delivered`, or `failed` with the reason.
    static func recordDelivery(_ db: any SQLConnection, id: Int64, status: String, error: String?) throws {
        try db.execute("UPDATE webhooks SET last_status = ?, last_error = ?, last_attempt_on = ? WHERE id = ?", [status, error, Date(), id])
    }

    private static func webhook(_ row: SQLRow) -> Webhook {
        let events: String = row["events"]
        return Webhook(
            id: row["id"], name: row["name"], url: row["url"], format: row["format"],
            events: events.split(separator: ",").map(String.init), allowPrivateTarget: row["allow_private_target"], enabled: row["enabled"],
            lastStatus: row["last_status"], lastError: row["last_error"], lastAttemptOn: row["last_attempt_on"], createdOn: row["created_on"])
    }
}
