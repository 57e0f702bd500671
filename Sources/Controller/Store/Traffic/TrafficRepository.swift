import Foundation
import Host

/// The SQL of traffic series: ``TrafficCounters`` per host (resource id; 0 for requests whose
/// host was none of the server's names) and server, summed per minute (`traffic_minutes`, kept
/// 48 hours) and per hour (`traffic_hours`, kept 90 days). Both are written from the same
/// reports, so the hours are the minutes downsampled without a second pass.
enum TrafficRepository {
    enum Resolution: Sendable {
        case minute, hour

        var table: String { self == .minute ? "traffic_minutes" : "traffic_hours" }
        var column: String { self == .minute ? "minute" : "hour" }
        var seconds: Int64 { self == .minute ? 60 : 3600 }
    }

    /// One series' counters over one period.
    struct Entry: Sendable {
        var resourceID: Int64
        var serverID: Int64
        /// Minutes or hours since 1970.
        var period: Int64
        var counters: TrafficCounters
    }

    /// The counter columns, in ``TrafficCounters/values`` order.
    static let counterColumns =
        ["r1xx", "r2xx", "r3xx", "r4xx", "r5xx", "bytes_in", "bytes_out"] + (0...AgentMessage.HostTraffic.latencyBounds.count).map { "l\($0)" }
    private static let sums = counterColumns.map { "SUM(\($0))" }.joined(separator: ", ")

    /// Adds each entry to its row (created at zero when missing).
    static func add(_ db: any SQLConnection, _ entries: [Entry], resolution: Resolution) throws {
        let columns = counterColumns.joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: counterColumns.count + 3).joined(separator: ", ")
        let updates = counterColumns.map { "\($0) = \($0) + excluded.\($0)" }.joined(separator: ", ")
        let sql = """
            INSERT INTO \(resolution.table) (resource_id, server_id, \(resolution.column), \(columns)) VALUES (\(placeholders))
            ON CONFLICT (resource_id, server_id, \(resolution.column)) DO UPDATE SET \(updates)
            """
        for entry in entries {
            try db.execute(sql, [entry.resourceID, entry.serverID, entry.period] + entry.counters.values.map { $0 })
        }
    }

    /// The counters of `resourceIDs` (all when nil) per server and per `step` periods from
    /// `from` (included) to `to` (excluded), each keyed by the first period of its step.
    static func series(
        _ db: any SQLConnection, resourceIDs: [Int64]?, from: Int64, to: Int64, step: Int64, resolution: Resolution
    ) throws -> [Entry] {
        var filter = ""
        var arguments: SQLArguments = [step, step, from, to]
        if let resourceIDs {
            guard !resourceIDs.isEmpty else { return [] }
            filter = "AND resource_id IN (\(Array(repeating: "?", count: resourceIDs.count).joined(separator: ", ")))"
            arguments += resourceIDs.map { $0 }
        }
        let column = resolution.column
        return try db.rows(
            """
            SELECT resource_id, server_id, (\(column) / ?) * ? AS bucket, \(sums) FROM \(resolution.table)
            WHERE \(column) >= ? AND \(column) < ? \(filter) GROUP BY resource_id, server_id, bucket ORDER BY bucket
            """, arguments
        ).compactMap { row in
            let values = counterColumns.map { Int64(sqlValue: row.value("SUM(\($0))")) ?? 0 }
            guard let counters = TrafficCounters(values: values) else { return nil }
            return Entry(resourceID: row["resource_id"], serverID: row["server_id"], period: row["bucket"], counters: counters)
        }
    }

    /// Removes the periods before `period`. Returns how many rows went.
    @discardableResult
    static func deleteBefore(_ db: any SQLConnection, period: Int64, resolution: Resolution) throws -> Int {
        try db.execute("DELETE FROM \(resolution.table) WHERE \(resolution.column) < ?", [period])
        return db.changedRowCount
    }

    /// The host names a server serves (its enabled hosts' domain names), each with its host's id.
    static func hostNames(_ db: any SQLConnection, serverID: Int64) throws -> [String: Int64] {
        var names: [String: Int64] = [:]
        for row in try db.rows("SELECT claim, resource_id FROM resource_claims WHERE server_id = ? AND claim LIKE 'domain:%'", [serverID]) {
            let claim: String = row["claim"]
            names[String(claim.dropFirst("domain:".count))] = row["resource_id"]
        }
        return names
    }
}
