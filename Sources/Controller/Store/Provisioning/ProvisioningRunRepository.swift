import Foundation

/// Every read and write of `provisioning_runs`: a run's kind, status and whole log, kept after
/// the controller that ran it has stopped.
enum ProvisioningRunRepository {
    /// A finished (or interrupted) run as stored.
    struct StoredRun: Sendable, Equatable {
        var serverID: Int64
        var status: String
        var lines: [String]
    }

    /// One line of a server's run history.
    struct Summary: Sendable, Equatable {
        var id: Int64
        var kind: String
        var status: String
        var startedOn: Date
        var finishedOn: Date?
    }

    /// The server's 50 latest runs, newest first.
    static func latest(_ db: any SQLConnection, serverID: Int64) throws -> [Summary] {
        try db.rows(
            "SELECT id, kind, status, started_on, finished_on FROM provisioning_runs WHERE server_id = ? ORDER BY id DESC LIMIT 50", [serverID]
        ).map { Summary(id: $0["id"], kind: $0["kind"], status: $0["status"], startedOn: $0["started_on"], finishedOn: $0["finished_on"]) }
    }

    /// Records a new run of `kind` on server `serverID`, running; returns its id.
    static func start(_ db: any SQLConnection, serverID: Int64, kind: String) throws -> Int64 {
        try db.execute(
            "INSERT INTO provisioning_runs (server_id, kind, status, started_on, log) VALUES (?, ?, 'running', ?, '')", [serverID, kind, Date()])
        return db.lastInsertedID
    }

    /// Records how run `id` ended, with its whole log.
    static func finish(_ db: any SQLConnection, id: Int64, status: String, lines: [String]) throws {
        try db.execute(
            "UPDATE provisioning_runs SET status = ?, finished_on = ?, log = ? WHERE id = ?", [status, Date(), lines.joined(separator: "\n"), id])
    }

    static func find(_ db: any SQLConnection, id: Int64) throws -> StoredRun? {
        guard let row = try db.row("SELECT server_id, status, log FROM provisioning_runs WHERE id = ?", [id]) else {
            return nil
        }
        let text: String = row["log"]
        return StoredRun(serverID: row["server_id"], status: row["status"], lines: text.isEmpty ? [] : text.components(separatedBy: "\n"))
    }
}
