import Foundation

/// What a `/metrics` scrape reads from the database: each server's status and revisions, the
/// provisioning runs by status, and the certificates whose expiry is known.
enum MetricsRepository {
    struct ServerFacts: Sendable {
        var id: Int64
        var name: String
        var status: String
        var desiredRevision: Int64
        var appliedRevision: Int64
    }

    struct Snapshot: Sendable {
        var servers: [ServerFacts]
        var provisioningRuns: [String: Int]
        /// Certificate id, its name (or first domain), and when it expires.
        var certificateExpiries: [(id: Int64, name: String, expires: Date)]
    }

    static func snapshot(_ db: any SQLConnection) throws -> Snapshot {
        let servers = try db.rows("SELECT id, name, status, desired_revision, applied_revision FROM servers ORDER BY id").map { row in
            ServerFacts(
                id: row["id"], name: row["name"], status: row["status"], desiredRevision: row["desired_revision"],
                appliedRevision: row["applied_revision"])
        }
        var runs: [String: Int] = [:]
        for row in try db.rows("SELECT status, COUNT(*) AS n FROM provisioning_runs GROUP BY status") { runs[row["status"]] = row["n"] }
        return Snapshot(servers: servers, provisioningRuns: runs, certificateExpiries: try certificateExpiries(db))
    }

    /// The certificates whose expiry is known (uploaded ones): id, name (or first domain), expiry.
    static func certificateExpiries(_ db: any SQLConnection) throws -> [(id: Int64, name: String, expires: Date)] {
        try db.rows(
            """
            SELECT id, COALESCE(NULLIF(json_extract(data, '$.nice_name'), ''), json_extract(data, '$.domain_names[0]'), '') AS name,
                   json_extract(data, '$.expires_on') AS expires
            FROM resources WHERE type = 'certificate' AND json_extract(data, '$.expires_on') IS NOT NULL ORDER BY id
            """
        ).compactMap { row -> (Int64, String, Date)? in
            let expires: SQLValue = row.value("expires")
            let date: Date?
            switch expires {
            case .text(let text): date = try? Date(text, strategy: .iso8601)
            case .integer(let seconds): date = Date(timeIntervalSince1970: TimeInterval(seconds))
            case .real(let seconds): date = Date(timeIntervalSince1970: seconds)
            default: date = nil
            }
            return date.map { (row["id"], row["name"], $0) }
        }
        .map { (id: $0.0, name: $0.1, expires: $0.2) }
    }
}
