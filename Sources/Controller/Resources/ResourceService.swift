import Foundation
import GRDB

/// Create, read, list, update, delete, enable and disable for one kind of resource. Every change
/// commits the row, its claims, the server's revision bump and the audit entry in one
/// transaction; invalid input changes nothing.
struct ResourceService<Kind: ResourceKind>: Sendable {
    let store: Store
    let onChange: @Sendable () -> Void

    /// The members every resource has besides its payload.
    static var commonFields: Set<String> { ["enabled", "server_id"] }

    // MARK: - Reading

    func list(serverID: Int64?, query: String?, page: Int, limit: Int) async throws -> (items: [String], total: Int) {
        let (rows, total) = try await store.database.read { db -> ([ResourceRow], Int) in
            var conditions = ["type = ?"]
            var arguments: StatementArguments = [Kind.type]
            if let serverID {
                conditions.append("server_id = ?")
                arguments += [serverID]
            }
            if let query, !query.isEmpty {
                conditions.append(#"search LIKE ? ESCAPE '\'"#)
                let escaped = query.lowercased().replacingOccurrences(of: "\\", with: "\\\\")
                    .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
                arguments += ["%\(escaped)%"]
            }
            let filter = conditions.joined(separator: " AND ")
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM resources WHERE \(filter)", arguments: arguments) ?? 0
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM resources WHERE \(filter) ORDER BY id LIMIT ? OFFSET ?",
                arguments: arguments + [limit, (page - 1) * limit])
            return (rows.map(ResourceRow.init), total)
        }
        return (try rows.map(view), total)
    }

    func get(_ id: Int64) async throws -> String {
        let row = try await store.database.read { db in try ResourceRow.fetch(db, id: id, type: Kind.type) }
        guard let row else { throw APIError.notFound(Kind.type) }
        return try view(row)
    }

    // MARK: - Changing

    func create(_ body: [String: Any], validation: ValidationContext, actor: AuditLog.Actor) async throws -> String {
        do { try Kind.checkInputOnly(body) } catch { throw APIError.invalid(error) }
        let input = try JSONBody.decode(Kind.Payload.self, from: body, allowed: Kind.fields, extra: Self.commonFields)
        let payload = try prepared(input, previous: nil, validation: validation)
        let common = try common(body)
        let enabled = common.enabled ?? true
        let requestedServer = common.server_id
        let result = try await store.database.write { db -> ResourceRow in
            let serverID = try server(requestedServer, db)
            try checkReferences(payload, db)
            try checkModules(payload, enabled: enabled, serverID: serverID, db)
            let now = Date()
            try db.execute(
                sql: """
                    INSERT INTO resources (type, server_id, owner_user_id, enabled, data, search, apply_status, created_on, modified_on)
                    VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)
                    """,
                arguments: [
                    Kind.type, serverID, actor.userID, enabled, try ResourceJSON.string(payload), Kind.searchText(payload).lowercased(), now, now,
                ])
            let id = db.lastInsertedRowID
            if enabled { try claim(payload, resourceID: id, serverID: serverID, db) }
            try Revisions.bump(db, serverID: serverID)
            try AuditLog.record(
                db, actor, action: "create", resourceType: Kind.type, resourceID: id,
                details: ["enabled": enabled], serverID: serverID)
            return try ResourceRow.fetch(db, id: id, type: Kind.type)!
        }
        onChange()
        return try view(result)
    }

    func update(_ id: Int64, _ body: [String: Any], validation: ValidationContext, actor: AuditLog.Actor) async throws -> String {
        guard let existing = try await store.database.read({ db in try ResourceRow.fetch(db, id: id, type: Kind.type) }) else {
            throw APIError.notFound(Kind.type)
        }
        let previous = try decodeStored(existing.data)
        do { try Kind.checkInputOnly(body) } catch { throw APIError.invalid(error) }
        // Fields not sent keep their stored values.
        let unknown = body.keys.sorted().first { !Kind.fields.contains($0) && !Self.commonFields.contains($0) }
        if let unknown { throw APIError.invalid(field: unknown, "is not a field of this resource") }
        var merged = (try JSONSerialization.jsonObject(with: Data(existing.data.utf8)) as? [String: Any]) ?? [:]
        for (key, value) in body where Kind.fields.contains(key) { merged[key] = value }
        let input = try JSONBody.decode(Kind.Payload.self, from: merged, allowed: Set(merged.keys))
        let payload = try prepared(input, previous: previous, validation: validation)
        let common = try common(body)
        let enabled = common.enabled ?? existing.enabled
        let requestedServer = common.server_id
        let sentFields = body.keys.sorted()
        let result = try await store.database.write { db -> ResourceRow in
            guard try ResourceRow.fetch(db, id: id, type: Kind.type) != nil else { throw APIError.notFound(Kind.type) }
            let serverID = try requestedServer.map { try server($0, db) } ?? existing.serverID
            try checkReferences(payload, db)
            try checkModules(payload, enabled: enabled, serverID: serverID, db)
            try db.execute(sql: "DELETE FROM resource_claims WHERE resource_id = ?", arguments: [id])
            if enabled { try claim(payload, resourceID: id, serverID: serverID, db) }
            try db.execute(
                sql: """
                    UPDATE resources SET server_id = ?, enabled = ?, data = ?, search = ?, apply_status = 'pending', apply_message = NULL, modified_on = ?
                    WHERE id = ?
                    """, arguments: [serverID, enabled, try ResourceJSON.string(payload), Kind.searchText(payload).lowercased(), Date(), id])
            try Revisions.bump(db, serverID: serverID)
            if serverID != existing.serverID { try Revisions.bump(db, serverID: existing.serverID) }
            var details: [String: Any] = ["fields": sentFields]
            if serverID != existing.serverID { details["moved_from_server"] = existing.serverID }
            try AuditLog.record(db, actor, action: "update", resourceType: Kind.type, resourceID: id, details: details, serverID: serverID)
            return try ResourceRow.fetch(db, id: id, type: Kind.type)!
        }
        onChange()
        return try view(result)
    }

    func delete(_ id: Int64, actor: AuditLog.Actor) async throws {
        try await store.database.write { db in
            guard let row = try ResourceRow.fetch(db, id: id, type: Kind.type) else { throw APIError.notFound(Kind.type) }
            if let user = try firstReferrer(to: id, db) {
                throw APIError.conflict(field: nil, "\(Kind.type) \(id) is used by \(user); change that first")
            }
            try db.execute(sql: "DELETE FROM resources WHERE id = ?", arguments: [id])
            try Revisions.bump(db, serverID: row.serverID)
            try AuditLog.record(db, actor, action: "delete", resourceType: Kind.type, resourceID: id, serverID: row.serverID)
        }
        onChange()
    }

    func setEnabled(_ id: Int64, _ enabled: Bool, actor: AuditLog.Actor) async throws -> String {
        let result = try await store.database.write { db -> ResourceRow in
            guard let row = try ResourceRow.fetch(db, id: id, type: Kind.type) else { throw APIError.notFound(Kind.type) }
            try db.execute(sql: "DELETE FROM resource_claims WHERE resource_id = ?", arguments: [id])
            let payload = try decodeStored(row.data)
            try checkModules(payload, enabled: enabled, serverID: row.serverID, db)
            if enabled { try claim(payload, resourceID: id, serverID: row.serverID, db) }
            try db.execute(
                sql: "UPDATE resources SET enabled = ?, apply_status = 'pending', apply_message = NULL, modified_on = ? WHERE id = ?",
                arguments: [enabled, Date(), id])
            try Revisions.bump(db, serverID: row.serverID)
            try AuditLog.record(db, actor, action: enabled ? "enable" : "disable", resourceType: Kind.type, resourceID: id, serverID: row.serverID)
            return try ResourceRow.fetch(db, id: id, type: Kind.type)!
        }
        onChange()
        return try view(result)
    }

    // MARK: - Helpers

    func decodeStored(_ data: String) throws -> Kind.Payload {
        try JSONDecoder().decode(Kind.Payload.self, from: Data(data.utf8))
    }

    /// The API's view of a row, as JSON text.
    private func view(_ row: ResourceRow) throws -> String {
        guard Kind.storesSecrets else { return row.jsonText(payload: row.data) }
        let redacted = try JSONSerialization.data(withJSONObject: Kind.publicJSON(try decodeStored(row.data)), options: [.withoutEscapingSlashes])
        return row.jsonText(payload: String(decoding: redacted, as: UTF8.self))
    }

    private func prepared(_ input: Kind.Payload, previous: Kind.Payload?, validation: ValidationContext) throws -> Kind.Payload {
        do {
            return try Kind.prepare(input, previous: previous, context: validation)
        } catch let failure as ValidationFailure {
            throw APIError.invalid(failure)
        }
    }

    /// The server to assign to: `requested` if it exists, else the local server.
    private func server(_ requested: Int64?, _ db: Database) throws -> Int64 {
        if let requested {
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM servers WHERE id = ?", arguments: [requested]) == true else {
                throw APIError(.notFound, code: "not_found", message: "no server has id \(requested)", field: "server_id")
            }
            return requested
        }
        return try Int64.fetchOne(db, sql: "SELECT id FROM servers WHERE is_local = 1")!
    }

    /// Refuses, at save time, what the server's Caddy could not run (its modules are known once
    /// its Caddy or agent has reported them).
    private func checkModules(_ payload: Kind.Payload, enabled: Bool, serverID: Int64, _ db: Database) throws {
        guard enabled, let row = try Row.fetchOne(db, sql: "SELECT name, caddy_modules FROM servers WHERE id = ?", arguments: [serverID]),
            let text = row["caddy_modules"] as String?, let modules = try? JSONDecoder().decode([String].self, from: Data(text.utf8))
        else { return }
        for need in Kind.requiredModules(payload) where !modules.contains(need.module) {
            throw APIError.invalid(
                field: need.field, "needs the Caddy module `\(need.module)`, which the Caddy of server \(row["name"] as String) does not have")
        }
    }

    private func checkReferences(_ payload: Kind.Payload, _ db: Database) throws {
        for reference in Kind.references(payload) {
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM resources WHERE id = ? AND type = ?", arguments: [reference.id, reference.type]) == true
            else {
                throw APIError(.notFound, code: "not_found", message: "no \(reference.type) has id \(reference.id)", field: reference.field)
            }
        }
    }

    /// Records what an enabled resource holds exclusively; 409 naming the holder on a clash (the
    /// local server's `admin_domain`, where the admin itself is served, included).
    private func claim(_ payload: Kind.Payload, resourceID: Int64, serverID: Int64, _ db: Database) throws {
        for claim in Kind.claims(payload) {
            if claim.hasPrefix("domain:"),
                try Bool.fetchOne(
                    db,
                    sql: """
                        SELECT 1 FROM settings st JOIN servers s ON s.id = ? AND s.is_local = 1
                        WHERE st.key = 'admin_domain' AND st.value != '' AND 'domain:' || st.value = ?
                        """, arguments: [serverID, claim]) == true
            {
                throw APIError.conflict(
                    field: "domain_names", "\(claim.dropFirst("domain:".count)) is where this admin is served (the admin_domain setting)")
            }
            if let holder = try Row.fetchOne(
                db,
                sql: """
                    SELECT r.id, r.type FROM resource_claims c JOIN resources r ON r.id = c.resource_id
                    WHERE c.server_id = ? AND c.claim = ? AND c.resource_id != ?
                    """, arguments: [serverID, claim, resourceID])
            {
                let parts = claim.split(separator: ":", maxSplits: 1)
                let field = parts.first == "domain" ? "domain_names" : "incoming_port"
                throw APIError.conflict(
                    field: field, "\(parts.last ?? "") is already used by enabled \(holder["type"] as String) \(holder["id"] as Int64) on this server"
                )
            }
            try db.execute(
                sql: "INSERT INTO resource_claims (resource_id, server_id, claim) VALUES (?, ?, ?)", arguments: [resourceID, serverID, claim])
        }
    }

    /// A resource that refers to `id` (for deleting access lists and certificates).
    private func firstReferrer(to id: Int64, _ db: Database) throws -> String? {
        guard Kind.type == "access_list" || Kind.type == "certificate" else { return nil }
        let key = Kind.type == "access_list" ? "access_list_id" : "certificate_id"
        let row = try Row.fetchOne(db, sql: "SELECT id, type FROM resources WHERE json_extract(data, ?) = ? LIMIT 1", arguments: ["$.\(key)", id])
        return row.map { "\($0["type"] as String) \($0["id"] as Int64)" }
    }

    /// `enabled` and `server_id`, type-checked by the JSON decoder.
    private struct Common: Decodable {
        var enabled: Bool?
        var server_id: Int64?
    }

    private func common(_ body: [String: Any]) throws -> Common {
        try JSONBody.decode(Common.self, from: body.filter { Self.commonFields.contains($0.key) }, allowed: Self.commonFields)
    }
}
