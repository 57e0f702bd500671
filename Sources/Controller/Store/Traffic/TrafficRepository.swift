import Foundation
import Host

/// The SQL of traffic series: ``TrafficCounters`` per host (resource id) and server, summed per
/// minute (`traffic_minutes`: one row per hour holding its minutes packed, ``PackedMinutes``;
/// kept 48 hours) and per hour (`traffic_hours`, a column per counter; kept 90 days). Both are
/// written from the same reports, so the hours are the minutes downsampled without a second
/// pass.
enum TrafficRepository {
    enum Resolution: Sendable {
        case minute, hour

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

    /// Adds each entry to what its series holds for its period.
    static func add(_ db: any SQLConnection, _ entries: [Entry], resolution: Resolution) throws {
        switch resolution {
        case .minute: try addMinutes(db, entries)
        case .hour: try addHours(db, entries)
        }
    }

    /// The counters of `resourceIDs` (all when nil) per server and per `step` periods from
    /// `from` (included) to `to` (excluded), each keyed by the first period of its step.
    static func series(
        _ db: any SQLConnection, resourceIDs: [Int64]?, from: Int64, to: Int64, step: Int64, resolution: Resolution
    ) throws -> [Entry] {
        if let resourceIDs, resourceIDs.isEmpty { return [] }
        switch resolution {
        case .minute: return try minuteSeries(db, resourceIDs: resourceIDs, from: from, to: to, step: step)
        case .hour: return try hourSeries(db, resourceIDs: resourceIDs, from: from, to: to, step: step)
        }
    }

    private static func addHours(_ db: any SQLConnection, _ entries: [Entry]) throws {
        let columns = counterColumns.joined(separator: ", ")
        let placeholders = SQLPlaceholders.list(counterColumns.count + 3)
        let updates = counterColumns.map { "\($0) = \($0) + excluded.\($0)" }.joined(separator: ", ")
        let sql = """
            INSERT INTO traffic_hours (resource_id, server_id, hour, \(columns)) VALUES (\(placeholders))
            ON CONFLICT (resource_id, server_id, hour) DO UPDATE SET \(updates)
            """
        for entry in entries {
            try db.execute(sql, [entry.resourceID, entry.serverID, entry.period] + entry.counters.values.map { $0 })
        }
    }

    private static func hourSeries(_ db: any SQLConnection, resourceIDs: [Int64]?, from: Int64, to: Int64, step: Int64) throws -> [Entry] {
        var arguments: SQLArguments = [step, step, from, to]
        arguments += (resourceIDs ?? []).map { $0 }
        return try db.rows(
            """
            SELECT resource_id, server_id, (hour / ?) * ? AS bucket, \(sums) FROM traffic_hours
            WHERE hour >= ? AND hour < ? \(filter(resourceIDs)) GROUP BY resource_id, server_id, bucket ORDER BY bucket
            """, arguments
        ).compactMap { row in
            let values = counterColumns.map { Int64(sqlValue: row.value("SUM(\($0))")) ?? 0 }
            guard let counters = TrafficCounters(values: values) else { return nil }
            return Entry(resourceID: row["resource_id"], serverID: row["server_id"], period: row["bucket"], counters: counters)
        }
    }

    /// Adds the minutes hour row by hour row: each is read, added to and written back whole.
    private static func addMinutes(_ db: any SQLConnection, _ entries: [Entry]) throws {
        var rows: [HourKey: [Entry]] = [:]
        for entry in entries {
            rows[HourKey(resourceID: entry.resourceID, serverID: entry.serverID, hour: entry.period / 60), default: []].append(entry)
        }
        for (key, minutes) in rows {
            let stored = try db.row(
                "SELECT minutes FROM traffic_minutes WHERE resource_id = ? AND server_id = ? AND hour = ?", [key.resourceID, key.serverID, key.hour])
            var packed =
                stored.map { row -> PackedMinutes in
                    if case .blob(let bytes) = row.value("minutes") { PackedMinutes(bytes) } else { PackedMinutes() }
                } ?? PackedMinutes()
            for entry in minutes { packed.add(entry.counters, minute: Int(entry.period - key.hour * 60)) }
            try db.execute(
                "INSERT OR REPLACE INTO traffic_minutes (resource_id, server_id, hour, minutes) VALUES (?, ?, ?, ?)",
                [key.resourceID, key.serverID, key.hour, SQLValue.blob(packed.bytes)])
        }
    }

    private static func minuteSeries(_ db: any SQLConnection, resourceIDs: [Int64]?, from: Int64, to: Int64, step: Int64) throws -> [Entry] {
        var sums: [HourKey: TrafficCounters] = [:]
        let arguments: SQLArguments = [from / 60, (to + 59) / 60] + (resourceIDs ?? []).map { $0 }
        for row in try db.rows(
            "SELECT resource_id, server_id, hour, minutes FROM traffic_minutes WHERE hour >= ? AND hour < ? \(filter(resourceIDs))", arguments)
        {
            guard case .blob(let bytes) = row.value("minutes") else { continue }
            let hour: Int64 = row["hour"]
            for (offset, counters) in PackedMinutes(bytes).minutes {
                let minute = hour * 60 + Int64(offset)
                guard minute >= from, minute < to else { continue }
                // Keyed by the step's first minute (in the `hour` field).
                sums[HourKey(resourceID: row["resource_id"], serverID: row["server_id"], hour: minute / step * step), default: TrafficCounters()].add(
                    counters)
            }
        }
        return sums.map { Entry(resourceID: $0.key.resourceID, serverID: $0.key.serverID, period: $0.key.hour, counters: $0.value) }
            .sorted { $0.period < $1.period }
    }

    private static func filter(_ resourceIDs: [Int64]?) -> String {
        guard let resourceIDs else { return "" }
        return "AND resource_id IN (\(SQLPlaceholders.list(resourceIDs.count)))"
    }

    private struct HourKey: Hashable {
        var resourceID: Int64
        var serverID: Int64
        var hour: Int64
    }

    /// Removes the periods before `period` (minutes or hours since 1970). Returns how many rows went.
    @discardableResult
    static func deleteBefore(_ db: any SQLConnection, period: Int64, resolution: Resolution) throws -> Int {
        switch resolution {
        case .minute: try db.execute("DELETE FROM traffic_minutes WHERE hour < ?", [period / 60])
        case .hour: try db.execute("DELETE FROM traffic_hours WHERE hour < ?", [period])
        }
        return db.changedRowCount
    }

    /// Which enabled host of a server serves each of `names` (as traffic reports name hosts), by
    /// its domain claim; a name no host serves is left out. Looked up name by name through the
    /// claims' index, so a flush costs what had traffic, not what the server serves.
    static func hosts(_ db: any SQLConnection, serverID: Int64, serving names: Set<String>) throws -> [String: Int64] {
        var hosts: [String: Int64] = [:]
        let claims = names.map { "domain:" + $0 }
        for start in stride(from: 0, to: claims.count, by: claimsPerQuery) {
            let some = claims[start..<min(claims.count, start + claimsPerQuery)]
            let rows = try db.rows(
                "SELECT claim, resource_id FROM resource_claims WHERE server_id = ? AND claim IN (\(some.map { _ in "?" }.joined(separator: ",")))",
                [serverID] + some.map { $0 })
            for row in rows {
                let claim: String = row["claim"]
                hosts[String(claim.dropFirst("domain:".count))] = row["resource_id"]
            }
        }
        return hosts
    }

    /// Claims asked for in one statement (SQLite binds at most 32,766 values).
    private static let claimsPerQuery = 500
}
