import Foundation
import Host

/// Every read and write of `resources` and `resource_claims`. Functions take the open
/// `Database`, so a service composes them with other repositories' in one transaction.
enum ResourceRepository {
    // MARK: - Reading

    static func find(_ db: any SQLConnection, id: Int64, type: String) throws -> ResourceRow? {
        try db.row("SELECT * FROM resources WHERE id = ? AND type = ?", [id, type]).map(ResourceRow.init)
    }

    /// The resource `id`, whatever its type.
    static func find(_ db: any SQLConnection, id: Int64) throws -> ResourceRow? {
        try db.row("SELECT * FROM resources WHERE id = ?", [id]).map(ResourceRow.init)
    }

    /// The type and first domain name (empty for resources without) of each of `ids` that exists.
    static func labels(_ db: any SQLConnection, ids: [Int64]) throws -> [Int64: (type: String, name: String)] {
        var labels: [Int64: (type: String, name: String)] = [:]
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = ids[start..<min(start + 500, ids.count)]
            let marks = SQLPlaceholders.list(chunk.count)
            for row in try db.rows(
                "SELECT id, type, COALESCE(json_extract(data, '$.domain_names[0]'), '') AS name FROM resources WHERE id IN (\(marks))",
                chunk.map { $0 })
            {
                labels[row["id"]] = (row["type"], row["name"])
            }
        }
        return labels
    }

    static func exists(_ db: any SQLConnection, id: Int64, type: String) throws -> Bool {
        try db.value(Bool.self, "SELECT 1 FROM resources WHERE id = ? AND type = ?", [id, type]) == true
    }

    /// One page of the resources of `type` (on `serverID`, whose search text contains `query`
    /// when given), by id, and how many match in all.
    static func page(
        _ db: any SQLConnection, type: String, serverID: Int64?, query: String?, page: Int, limit: Int
    ) throws -> (rows: [ResourceRow], total: Int) {
        var conditions = ["type = ?"]
        var arguments: SQLArguments = [type]
        if let serverID {
            conditions.append("server_id = ?")
            arguments += [serverID]
        }
        if let query, !query.isEmpty {
            conditions.append(#"search LIKE ? ESCAPE '\'"#)
            arguments += [SQLPattern.containing(query.lowercased())]
        }
        let filter = conditions.joined(separator: " AND ")
        let total = try db.value(Int.self, "SELECT COUNT(*) FROM resources WHERE \(filter)", arguments) ?? 0
        let rows = try db.rows("SELECT * FROM resources WHERE \(filter) ORDER BY id LIMIT ? OFFSET ?", arguments + [limit, (page - 1) * limit])
        return (rows.map(ResourceRow.init), total)
    }

    /// Calls `body` with each enabled resource of `type` on `serverID`, by id, as it is read:
    /// columns 0 `id`, 1 `data` and 2 `modified_on`, lent (``SQLLentRow``).
    static func forEachEnabled(_ db: any SQLConnection, type: String, serverID: Int64, _ body: (any SQLLentRow) throws -> Void) throws {
        try db.forEachRow(
            "SELECT id, data, modified_on FROM resources WHERE server_id = ? AND type = ? AND enabled = 1 ORDER BY id", [serverID, type], body)
    }

    /// The resources of `type` among `ids`, by id: `(id, data, modified_on)`.
    static func some(_ db: any SQLConnection, type: String, ids: [Int64]) throws -> [SQLRow] {
        guard !ids.isEmpty else { return [] }
        return try db.rows(
            "SELECT id, data, modified_on FROM resources WHERE type = ? AND id IN (\(ids.map { _ in "?" }.joined(separator: ","))) ORDER BY id",
            [type] + ids.map { $0 })
    }

    /// The first resource whose payload member `key` is `id` ("proxy_host 7"): what refers to an
    /// access list or a certificate.
    static func firstReferrer(_ db: any SQLConnection, member key: String, id: Int64) throws -> String? {
        let row = try db.row("SELECT id, type FROM resources WHERE json_extract(data, ?) = ? LIMIT 1", ["$.\(key)", id])
        return row.map { "\($0["type"] as String) \($0["id"] as Int64)" }
    }

    /// The stored payloads of every resource of `type` on `serverID`, enabled or not: `(id, data)`.
    static func payloads(_ db: any SQLConnection, type: String, serverID: Int64) throws -> [(id: Int64, data: String)] {
        try db.rows("SELECT id, data FROM resources WHERE type = ? AND server_id = ? ORDER BY id", [type, serverID]).map { ($0["id"], $0["data"]) }
    }

    /// The stored payloads of every resource of `type`, on any server: `(id, data)`.
    static func payloads(_ db: any SQLConnection, type: String) throws -> [(id: Int64, data: String)] {
        try db.rows("SELECT id, data FROM resources WHERE type = ? ORDER BY id", [type]).map { ($0["id"], $0["data"]) }
    }

    /// How many resources of `type` have each id as their member `key`, in one grouped query;
    /// an id nothing refers to is absent.
    static func referrerCounts(_ db: any SQLConnection, type: String, member key: String) throws -> [Int64: Int] {
        let rows = try db.rows(
            "SELECT json_extract(data, ?1) AS referred, COUNT(*) AS count FROM resources WHERE type = ?2 AND json_extract(data, ?1) IS NOT NULL GROUP BY referred",
            ["$.\(key)", type])
        return Dictionary(rows.map { row in (row["referred"] as Int64, row["count"] as Int) }, uniquingKeysWith: +)
    }

    /// Disabled resources of `serverID` whose removal is not applied yet, with when each was
    /// last changed.
    static func pendingRemovals(_ db: any SQLConnection, serverID: Int64) throws -> [(id: Int64, type: String, modifiedOn: SQLValue)] {
        try db.rows("SELECT id, type, modified_on FROM resources WHERE server_id = ? AND enabled = 0 AND apply_status = 'pending'", [serverID])
            .map { ($0["id"], $0["type"], $0["modified_on"]) }
    }

    // MARK: - The change journal (`resource_changes`, written by triggers)

    /// The position of the newest change: a later ``changed(_:since:)`` with it returns what
    /// changed after this read. 0 when nothing ever changed.
    static func changePosition(_ db: any SQLConnection) throws -> Int64 {
        try db.value(Int64.self, "SELECT MAX(seq) FROM resource_changes") ?? 0
    }

    /// A resource changed after some position, as it is now; `type` is nil when it was deleted.
    struct Changed {
        var id: Int64
        var type: String?
        var serverID: Int64?
        var enabled: Bool
        var data: [UInt8]
        var modifiedOn: SQLValue
    }

    /// Each resource changed after `position` (once, however often it changed), by id; nil when
    /// the journal no longer reaches back to `position` (it keeps the newest changes only), so
    /// the caller must read everything.
    static func changed(_ db: any SQLConnection, since position: Int64) throws -> [Changed]? {
        let oldest = try db.value(Int64.self, "SELECT MIN(seq) FROM resource_changes")
        if let oldest, oldest > position + 1 { return nil }
        var changes: [Changed] = []
        try db.forEachRow(
            """
            SELECT c.resource_id, r.type, r.server_id, r.enabled, r.data, r.modified_on
            FROM (SELECT DISTINCT resource_id FROM resource_changes WHERE seq > ?) c LEFT JOIN resources r ON r.id = c.resource_id
            ORDER BY c.resource_id
            """, [position]
        ) { row in
            guard let id = row.integer(0) else { return }
            let type: String? = try row.withBytes(1) { $0.isEmpty ? nil : String(decoding: $0, as: UTF8.self) }
            changes.append(
                Changed(
                    id: id, type: type, serverID: row.integer(2), enabled: row.integer(3) == 1, data: try row.withBytes(4) { Array($0) },
                    modifiedOn: row.value(5)))
        }
        return changes
    }

    /// The enabled resources whose payload member `key` is `id` (the hosts using a certificate).
    static func enabledReferrers(_ db: any SQLConnection, member key: String, id: Int64) throws -> [ResourceRow] {
        try db.rows("SELECT * FROM resources WHERE enabled = 1 AND json_extract(data, ?) = ? ORDER BY id", ["$.\(key)", id])
            .map(ResourceRow.init(row:))
    }

    /// The servers holding a resource whose `member` is `id`.
    static func serversReferring(_ db: any SQLConnection, member key: String, id: Int64) throws -> [Int64] {
        try db.values(Int64.self, "SELECT DISTINCT server_id FROM resources WHERE json_extract(data, ?) = ?", ["$.\(key)", id])
    }

    /// How many enabled resources that Caddy or iptables serve each server has (only `serverID`,
    /// when given), by server id.
    static func activeRouteCounts(_ db: any SQLConnection, serverID: Int64? = nil) throws -> [Int64: Int] {
        let types = ResourceKinds.served.map(\.type)
        let rows = try db.rows(
            """
            SELECT server_id, COUNT(*) AS n FROM resources WHERE enabled = 1 AND type IN (\(types.map { _ in "?" }.joined(separator: ",")))
            AND (? IS NULL OR server_id = ?) GROUP BY server_id
            """, types.map { $0 } + [serverID, serverID])
        return Dictionary(uniqueKeysWithValues: rows.map { ($0["server_id"], $0["n"]) })
    }

    // MARK: - Writing

    /// Inserts a resource, pending; returns its id.
    static func insert(
        _ db: any SQLConnection, type: String, serverID: Int64, ownerUserID: Int64?, enabled: Bool, data: String, search: String
    ) throws -> Int64 {
        let now = Date()
        try db.execute(
            """
            INSERT INTO resources (type, server_id, owner_user_id, enabled, data, search, apply_status, created_on, modified_on)
            VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)
            """, [type, serverID, ownerUserID, enabled, data, search, now, now])
        return db.lastInsertedID
    }

    /// Replaces a resource's server, state and payload; it is pending again.
    static func update(_ db: any SQLConnection, id: Int64, serverID: Int64, enabled: Bool, data: String, search: String) throws {
        try db.execute(
            """
            UPDATE resources SET server_id = ?, enabled = ?, data = ?, search = ?, apply_status = 'pending', apply_message = NULL, modified_on = ?
            WHERE id = ?
            """, [serverID, enabled, data, search, Date(), id])
    }

    static func setEnabled(_ db: any SQLConnection, id: Int64, _ enabled: Bool) throws {
        try db.execute(
            "UPDATE resources SET enabled = ?, apply_status = 'pending', apply_message = NULL, modified_on = ? WHERE id = ?", [enabled, Date(), id])
    }

    /// Deletes a resource and (by cascade) its claims.
    static func delete(_ db: any SQLConnection, id: Int64) throws {
        try db.execute("DELETE FROM resources WHERE id = ?", [id])
    }

    /// What the server did with a resource, unless the resource changed after the state that was
    /// applied (`modifiedOn` is its modification time in that state).
    /// A resource's type and recorded apply status.
    struct ApplyState: Sendable, Equatable {
        var type: String
        var status: String
        var message: String?
    }

    /// The type and apply status of each of `ids` that exists, read in a few statements.
    static func applyStates(_ db: any SQLConnection, ids: [Int64]) throws -> [Int64: ApplyState] {
        var states: [Int64: ApplyState] = [:]
        var start = 0
        while start < ids.count {
            let chunk = ids[start..<min(start + 5000, ids.count)]
            let rows = try db.rows(
                "SELECT id, type, apply_status, apply_message FROM resources WHERE id IN (\(chunk.map { _ in "?" }.joined(separator: ",")))",
                chunk.map { $0 })
            for row in rows { states[row["id"]] = ApplyState(type: row["type"], status: row["apply_status"], message: row["apply_message"]) }
            start += chunk.count
        }
        return states
    }

    /// The type and apply status of each resource of `serverID` that is not plainly applied
    /// (pending, failed, or applied with a message): what an apply may have to settle.
    static func unsettled(_ db: any SQLConnection, serverID: Int64) throws -> [Int64: ApplyState] {
        var states: [Int64: ApplyState] = [:]
        for row in try db.rows(
            "SELECT id, type, apply_status, apply_message FROM resources WHERE server_id = ? AND (apply_status != 'applied' OR apply_message IS NOT NULL)",
            [serverID])
        {
            states[row["id"]] = ApplyState(type: row["type"], status: row["apply_status"], message: row["apply_message"])
        }
        return states
    }

    static func recordApplyStatus(
        _ db: any SQLConnection, id: Int64, status: ResourceOutcome.Status, message: String?, ifNotModifiedAfter modifiedOn: SQLValue
    ) throws {
        try db.execute(
            "UPDATE resources SET apply_status = ?, apply_message = ? WHERE id = ? AND modified_on <= ?", [status.rawValue, message, id, modifiedOn])
    }

    /// The server's data plane stopped serving what was applied (`message` says why): its
    /// applied resources of `types` are failed with that message until ``clearDataPlaneProblem``.
    static func markDataPlaneProblem(_ db: any SQLConnection, serverID: Int64, types: [String], message: String) throws {
        try db.execute(
            """
            UPDATE resources SET apply_status = 'failed', apply_message = ? WHERE server_id = ? AND enabled = 1 AND apply_status = 'applied'
            AND type IN (\(types.map { _ in "?" }.joined(separator: ",")))
            """, [message, serverID] + types.map { $0 })
    }

    /// The data-plane problem `message` is over: what it failed is applied again.
    static func clearDataPlaneProblem(_ db: any SQLConnection, serverID: Int64, message: String) throws {
        try db.execute(
            "UPDATE resources SET apply_status = 'applied', apply_message = NULL WHERE server_id = ? AND apply_status = 'failed' AND apply_message = ?",
            [serverID, message])
    }

    /// Every resource is pending (after a restore: no server has applied the restored data yet).
    static func markAllPending(_ db: any SQLConnection) throws {
        try db.execute("UPDATE resources SET apply_status = 'pending', apply_message = NULL")
    }

    // MARK: - Claims: what an enabled resource holds exclusively on its server (a domain, a port)

    /// The resource other than `resourceID` holding `claim` on `serverID`: `(id, type)`.
    static func claimHolder(_ db: any SQLConnection, serverID: Int64, claim: String, except resourceID: Int64) throws -> (id: Int64, type: String)? {
        let row = try db.row(
            """
            SELECT r.id, r.type FROM resource_claims c JOIN resources r ON r.id = c.resource_id
            WHERE c.server_id = ? AND c.claim = ? AND c.resource_id != ?
            """, [serverID, claim, resourceID])
        return row.map { ($0["id"], $0["type"]) }
    }

    static func addClaim(_ db: any SQLConnection, resourceID: Int64, serverID: Int64, claim: String) throws {
        try db.execute("INSERT INTO resource_claims (resource_id, server_id, claim) VALUES (?, ?, ?)", [resourceID, serverID, claim])
    }

    static func releaseClaims(_ db: any SQLConnection, resourceID: Int64) throws {
        try db.execute("DELETE FROM resource_claims WHERE resource_id = ?", [resourceID])
    }

    /// Whether some enabled resource holds `claim` on `serverID`.
    static func isClaimed(_ db: any SQLConnection, serverID: Int64, claim: String) throws -> Bool {
        try db.value(Bool.self, "SELECT 1 FROM resource_claims WHERE server_id = ? AND claim = ?", [serverID, claim]) == true
    }

    /// The resources of server `from` whose domain or port server `to` already serves.
    static func conflicting(_ db: any SQLConnection, from: Int64, to: Int64) throws -> Set<Int64> {
        Set(
            try db.values(
                Int64.self,
                """
                SELECT DISTINCT moving.resource_id FROM resource_claims moving
                JOIN resource_claims held ON held.claim = moving.claim AND held.server_id = ?
                WHERE moving.server_id = ?
                """, [to, from]))
    }

    /// Every resource of a server, oldest first.
    static func onServer(_ db: any SQLConnection, serverID: Int64) throws -> [ResourceRow] {
        try db.rows("SELECT * FROM resources WHERE server_id = ? ORDER BY id", [serverID]).map(ResourceRow.init(row:))
    }

    /// Deletes every resource of a server (and, by cascade, their claims); returns their ids.
    static func deleteAll(_ db: any SQLConnection, serverID: Int64) throws -> [Int64] {
        let ids = try db.values(Int64.self, "SELECT id FROM resources WHERE server_id = ? ORDER BY id", [serverID])
        try db.execute("DELETE FROM resources WHERE server_id = ?", [serverID])
        return ids
    }

    /// Moves every resource of server `from` to server `to`, marked pending. A resource whose
    /// domain or port `to` already uses is kept, disabled, with `disabledMessage`; returns those ids.
    static func moveAll(_ db: any SQLConnection, from: Int64, to: Int64, disabledMessage: String) throws -> [Int64] {
        var disabled: [Int64] = []
        let conflicting = try conflicting(db, from: from, to: to)
        for resourceID in try db.values(Int64.self, "SELECT id FROM resources WHERE server_id = ?", [from]) {
            if conflicting.contains(resourceID) {
                try releaseClaims(db, resourceID: resourceID)
                try db.execute("UPDATE resources SET enabled = 0, apply_message = ? WHERE id = ?", [disabledMessage, resourceID])
                disabled.append(resourceID)
            } else {
                try db.execute("UPDATE resource_claims SET server_id = ? WHERE resource_id = ?", [to, resourceID])
            }
        }
        try db.execute(
            "UPDATE resources SET server_id = ?, apply_status = 'pending', modified_on = ? WHERE server_id = ?", [to, Date(), from])
        return disabled
    }
}
