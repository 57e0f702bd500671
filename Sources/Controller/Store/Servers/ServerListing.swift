import JSONCore

/// Reads of many servers at once that stay cheap with ten thousand of them: a page of the list,
/// and the dashboard's aggregates (counts, and a bounded list of what needs attention), each
/// computed by SQLite rather than by reading every row.
enum ServerListing {
    /// How the servers stand, counted.
    struct Summary: Sendable, Equatable {
        var total: Int
        var byStatus: [Server.Status: Int]
        /// Servers whose agent runs an older revision than the desired one.
        var outOfDate: Int
        /// Upstreams reported, those failing (on a server Online), and those of servers that are
        /// not Online (their health is unknown).
        var upstreams: Int
        var failingUpstreams: Int
        var unknownUpstreams: Int
    }

    /// One upstream a server reported, as the dashboard lists it.
    struct Upstream: Sendable, Equatable {
        var server: String
        var serverStatus: Server.Status
        var address: String
        var requests: Int64
        var fails: Int64
    }

    /// One page of servers (the local one first, then by id) whose name or hostname contains
    /// `query` and whose status is `status`, when given; and how many match in all.
    static func page(
        _ db: any SQLConnection, query: String?, status: Server.Status?, page: Int, limit: Int
    ) throws -> (servers: [Server], total: Int) {
        var conditions = ["1 = 1"]
        var arguments: SQLArguments = []
        if let query {
            conditions.append(#"(LOWER(name) LIKE ? ESCAPE '\' OR LOWER(hostname) LIKE ? ESCAPE '\')"#)
            let pattern = SQLPattern.containing(query.lowercased())
            arguments += [pattern, pattern]
        }
        if let status {
            conditions.append("status = ?")
            arguments += [status.rawValue]
        }
        let filter = conditions.joined(separator: " AND ")
        let total = try db.value(Int.self, "SELECT COUNT(*) FROM servers WHERE \(filter)", arguments) ?? 0
        let rows = try db.rows(
            "SELECT * FROM servers WHERE \(filter) ORDER BY is_local DESC, id LIMIT ? OFFSET ?", arguments + [limit, (page - 1) * limit])
        return (rows.map(Server.init), total)
    }

    /// Every server's id and name (the local one first, then by id): what the server pickers
    /// need, without the rest of each row.
    static func names(_ db: any SQLConnection) throws -> [(id: Int64, name: String, isLocal: Bool)] {
        try db.rows("SELECT id, name, is_local FROM servers ORDER BY is_local DESC, id").map { ($0["id"], $0["name"], $0["is_local"]) }
    }

    static func summary(_ db: any SQLConnection) throws -> Summary {
        var byStatus: [Server.Status: Int] = [:]
        for row in try db.rows("SELECT status, COUNT(*) AS n FROM servers GROUP BY status") {
            if let status = Server.Status(rawValue: row["status"]) { byStatus[status] = row["n"] }
        }
        let outOfDate =
            try db.value(Int.self, "SELECT COUNT(*) FROM servers WHERE is_local = 0 AND status = 'online' AND applied_revision < desired_revision")
            ?? 0
        let upstreams = try db.row(
            """
            SELECT COUNT(*) AS total, COALESCE(SUM(s.status = 'online' AND json_extract(u.value, '$.fails') > 0), 0) AS failing,
            COALESCE(SUM(s.status != 'online'), 0) AS unknown
            FROM servers s, json_each(s.upstream_health, '$.upstreams') u WHERE json_valid(s.upstream_health)
            """)
        return Summary(
            total: byStatus.values.reduce(0, +), byStatus: byStatus, outOfDate: outOfDate, upstreams: upstreams?["total"] ?? 0,
            failingUpstreams: upstreams?["failing"] ?? 0, unknownUpstreams: upstreams?["unknown"] ?? 0)
    }

    /// Up to `limit` servers, those needing attention first (not Online, or behind their desired
    /// revision), then the local one, then by name.
    static func needingAttentionFirst(_ db: any SQLConnection, limit: Int) throws -> [Server] {
        try db.rows(
            """
            SELECT * FROM servers ORDER BY (status != 'online' OR (is_local = 0 AND applied_revision < desired_revision)) DESC,
            is_local DESC, name LIMIT ?
            """, [limit]
        ).map(Server.init)
    }

    /// Up to `limit` reported upstreams, the failing ones of Online servers first, then those of
    /// the local server, then by server name and address.
    static func upstreams(_ db: any SQLConnection, limit: Int) throws -> [Upstream] {
        try db.rows(
            """
            SELECT s.name AS server, s.status AS status, json_extract(u.value, '$.address') AS address,
            json_extract(u.value, '$.requests') AS requests, json_extract(u.value, '$.fails') AS fails
            FROM servers s, json_each(s.upstream_health, '$.upstreams') u WHERE json_valid(s.upstream_health)
            ORDER BY (s.status = 'online' AND json_extract(u.value, '$.fails') > 0) DESC, s.is_local DESC, s.name, address LIMIT ?
            """, [limit]
        ).map { row in
            Upstream(
                server: row["server"], serverStatus: Server.Status(rawValue: row["status"]) ?? .offline, address: row["address"] ?? "",
                requests: row["requests"] ?? 0, fails: row["fails"] ?? 0)
        }
    }
}
