import Foundation
import JSONCore
import NIOPosix

/// Create, read, list, update, delete, enable and disable for one kind of resource. Every change
/// commits the row, its claims, the server's revision bump and the audit entry in one
/// transaction; invalid input changes nothing.
struct ResourceService<Kind: ResourceKind>: Sendable {
    let store: Store
    let onChange: @Sendable () -> Void

    /// The members every resource has besides its payload.
    static var commonFields: Set<String> { ["enabled", "server_id"] }

    // MARK: - Reading

    func list(serverID: Int64?, query: String?, page: Int, limit: Int) async throws -> (items: [JSON], total: Int) {
        let (rows, total) = try await store.database.read { db in
            try ResourceRepository.page(db, type: Kind.type, serverID: serverID, query: query, page: page, limit: limit)
        }
        return (try await shown(rows), total)
    }

    func get(_ id: Int64) async throws -> JSON {
        let row = try await store.database.read { db in try ResourceRepository.find(db, id: id, type: Kind.type) }
        guard let row else { throw DomainError.notFound(Kind.type) }
        return try await shown([row])[0]
    }

    /// Every resource of this kind as stored, on any server: `(id, payload)`.
    func storedPayloads() async throws -> [(id: Int64, payload: Kind.Payload)] {
        let rows = try await store.database.read { db in try ResourceRepository.payloads(db, type: Kind.type) }
        return try rows.map { ($0.id, try decodeStored($0.data)) }
    }

    /// How many resources of `type` refer to each resource of this kind, by id (empty for a kind
    /// nothing refers to; a resource nothing refers to is absent).
    func referrerCounts(type: String) async throws -> [Int64: Int] {
        guard let field = Kind.referenceField else { return [:] }
        return try await store.database.read { db in try ResourceRepository.referrerCounts(db, type: type, member: field) }
    }

    // MARK: - Changing

    /// Creates a resource from a request body: the kind's fields and the common ones.
    func create(_ body: JSON, validation: ValidationContext, actor: AuditLog.Actor) async throws -> JSON {
        let prepared = try await prepare(body, validation: validation)
        let result = try await store.database.writeOnThisThread { db -> RowWithModules in
            let serverID = try server(prepared.serverID, db)
            let id = try insert(prepared, serverID: serverID, actor: actor, action: "create", in: db)
            try ServerRepository.bumpRevision(db, id: serverID)
            return try changedRow(id, db)
        }
        onChange()
        return try shown(result)
    }

    /// A new resource's body, validated by the kind's rules (which may take a while: bcrypt,
    /// certificate checks) and not stored yet: ``insert(_:serverID:references:actor:action:in:)``
    /// stores it, so many can be prepared before one transaction stores them all.
    struct Prepared: Sendable {
        var payload: Kind.Payload
        var enabled: Bool
        /// The server the body names; nil for the local one.
        var serverID: Int64?
    }

    func prepare(_ body: JSON, validation: ValidationContext) async throws -> Prepared {
        try checkSent(body)
        let input = try JSONInput.decode(Kind.Payload.self, from: JSONInput.members(of: body, in: Kind.fields))
        let payload = try await prepared(input, previous: nil, validation: validation)
        let common = try common(body)
        return Prepared(payload: payload, enabled: common.enabled ?? true, serverID: common.server_id)
    }

    /// Stores a prepared resource on `serverID` within the caller's transaction: references
    /// checked (after setting the members `references` names, for resources created in the same
    /// transaction), modules, the row, its claims and the audit entry (`action`). The caller
    /// bumps the server's revision once it has stored all it stores.
    func insert(
        _ prepared: Prepared, serverID: Int64, references: [String: Int64] = [:], actor: AuditLog.Actor, action: String,
        in db: any SQLConnection
    ) throws -> Int64 {
        var payload = prepared.payload
        if !references.isEmpty {
            var json = try JSONValueEncoder().encode(payload)
            for (member, id) in references { json[member] = .int(Int(id)) }
            payload = try JSONValueDecoder(unknownMembers: .ignore).decode(Kind.Payload.self, from: json)
        }
        try checkReferences(payload, db)
        try checkModules(payload, enabled: prepared.enabled, serverID: serverID, db)
        let id = try ResourceRepository.insert(
            db, type: Kind.type, serverID: serverID, ownerUserID: actor.userID, enabled: prepared.enabled,
            data: try ResourceJSON.string(payload), search: Kind.searchText(payload).lowercased())
        if prepared.enabled { try claim(payload, resourceID: id, serverID: serverID, db) }
        try AuditLog.record(
            db, actor, action: action, resourceType: Kind.type, resourceID: id, details: ["enabled": prepared.enabled], serverID: serverID)
        return id
    }

    /// The server to assign to: `requested` if it exists, else the local server.
    func server(_ requested: Int64?, _ db: any SQLConnection) throws -> Int64 {
        if let requested {
            guard try ServerRepository.exists(db, id: requested) else {
                throw DomainError.missingReference(field: "server_id", "no server has id \(requested)")
            }
            return requested
        }
        return try ServerRepository.localID(db)
    }

    /// Changes the fields `body` sends; the others keep their stored values.
    func update(_ id: Int64, _ body: JSON, validation: ValidationContext, actor: AuditLog.Actor) async throws -> JSON {
        guard let existing = try store.database.readOnThisThread({ db in try ResourceRepository.find(db, id: id, type: Kind.type) }) else {
            throw DomainError.notFound(Kind.type)
        }
        let previous = try decodeStored(existing.data)
        try checkSent(body)
        var merged = try JSONParser.parse(Array(existing.data.utf8))
        for (key, value) in body.objectMembers ?? [] where Kind.fields.contains(key) { merged[key] = value }
        let input = try JSONInput.decode(Kind.Payload.self, from: merged)
        let payload = try await prepared(input, previous: previous, validation: validation)
        let common = try common(body)
        let enabled = common.enabled ?? existing.enabled
        let requestedServer = common.server_id
        let data = try ResourceJSON.string(payload)
        let stored = try JSONParser.parse(Array(data.utf8)).canonical()
        let before = try JSONParser.parse(Array(existing.data.utf8)).canonical()
        let changedFields = Kind.fields.filter { stored[$0] != before[$0] }
        let result = try await store.database.writeOnThisThread { db -> RowWithModules in
            guard try ResourceRepository.find(db, id: id, type: Kind.type) != nil else { throw DomainError.notFound(Kind.type) }
            let serverID = try requestedServer.map { try server($0, db) } ?? existing.serverID
            try checkReferences(payload, db)
            try checkModules(payload, enabled: enabled, serverID: serverID, db)
            try ResourceRepository.releaseClaims(db, resourceID: id)
            if enabled { try claim(payload, resourceID: id, serverID: serverID, db) }
            try ResourceRepository.update(db, id: id, serverID: serverID, enabled: enabled, data: data, search: Kind.searchText(payload).lowercased())
            try bumpRevisions(db, of: [serverID, existing.serverID], referringTo: id)
            // The fields whose stored value changed (a form sends every field).
            var changed = changedFields
            if enabled != existing.enabled { changed.insert("enabled") }
            if serverID != existing.serverID { changed.insert("server_id") }
            var details: JSON = ["fields": .strings(changed.sorted())]
            if serverID != existing.serverID { details["moved_from_server"] = existing.serverID.jsonValue }
            try AuditLog.record(db, actor, action: "update", resourceType: Kind.type, resourceID: id, details: details, serverID: serverID)
            return try changedRow(id, db)
        }
        onChange()
        return try shown(result)
    }

    func delete(_ id: Int64, actor: AuditLog.Actor) async throws {
        try await store.database.writeOnThisThread { db in
            guard let row = try ResourceRepository.find(db, id: id, type: Kind.type) else { throw DomainError.notFound(Kind.type) }
            if let user = try firstReferrer(to: id, db) {
                throw DomainError.conflict(field: nil, "\(Kind.type) \(id) is used by \(user); change that first")
            }
            try ResourceRepository.delete(db, id: id)
            try ServerRepository.bumpRevision(db, id: row.serverID)
            try AuditLog.record(db, actor, action: "delete", resourceType: Kind.type, resourceID: id, serverID: row.serverID)
        }
        onChange()
    }

    func setEnabled(_ id: Int64, _ enabled: Bool, actor: AuditLog.Actor) async throws -> JSON {
        let result = try await store.database.writeOnThisThread { db -> RowWithModules in
            guard let row = try ResourceRepository.find(db, id: id, type: Kind.type) else { throw DomainError.notFound(Kind.type) }
            try ResourceRepository.releaseClaims(db, resourceID: id)
            let payload = try decodeStored(row.data)
            try checkModules(payload, enabled: enabled, serverID: row.serverID, db)
            if enabled { try claim(payload, resourceID: id, serverID: row.serverID, db) }
            try ResourceRepository.setEnabled(db, id: id, enabled)
            try bumpRevisions(db, of: [row.serverID], referringTo: id)
            try AuditLog.record(db, actor, action: enabled ? "enable" : "disable", resourceType: Kind.type, resourceID: id, serverID: row.serverID)
            return try changedRow(id, db)
        }
        onChange()
        return try shown(result)
    }

    // MARK: - Helpers

    func decodeStored(_ data: String) throws -> Kind.Payload {
        try JSONValueDecoder(unknownMembers: .ignore).decode(Kind.Payload.self, from: try JSONParser.parse(Array(data.utf8)))
    }

    /// The API's view of rows, with what the kind derives from each one's server.
    private func shown(_ rows: [ResourceRow]) async throws -> [JSON] {
        guard Kind.derivesFromServer else { return try rows.map(view) }
        let servers = Set(rows.map(\.serverID))
        let modules = try await store.database.read { db in try ServerRepository.reportedModules(db, of: servers) }
        return try rows.map { row in try shown(RowWithModules(row: row, serverModules: modules[row.serverID])) }
    }

    /// A row with the Caddy modules its server reported (when the kind derives something from
    /// them): for a change, both read in its transaction.
    private struct RowWithModules: Sendable {
        var row: ResourceRow
        var serverModules: [String]?
    }

    private func changedRow(_ id: Int64, _ db: any SQLConnection) throws -> RowWithModules {
        let row = try ResourceRepository.find(db, id: id, type: Kind.type)!
        let modules = Kind.derivesFromServer ? try ServerRepository.reportedModules(db, of: [row.serverID])[row.serverID] : nil
        return RowWithModules(row: row, serverModules: modules)
    }

    /// The API's view of a row, with what the kind derives from its server.
    private func shown(_ entry: RowWithModules) throws -> JSON {
        guard Kind.derivesFromServer else { return try view(entry.row) }
        let derived = Kind.serverDerived(try decodeStored(entry.row.data), caddyModules: entry.serverModules)
        return .object((try view(entry.row).objectMembers ?? []) + derived)
    }

    /// The API's view of a row.
    private func view(_ row: ResourceRow) throws -> JSON {
        guard Kind.storesSecrets else { return row.view(payload: try JSONParser.parse(Array(row.data.utf8))) }
        return row.view(payload: try Kind.publicJSON(try decodeStored(row.data)))
    }

    /// Refuses members that are not the kind's fields nor common ones, and members only the
    /// stored form may have.
    private func checkSent(_ body: JSON) throws(DomainError) {
        let names = (body.objectMembers ?? []).map(\.0).sorted()
        if let unknown = names.first(where: { !Kind.fields.contains($0) && !Self.commonFields.contains($0) }) {
            throw .invalid(ValidationFailure(unknown, "is not a field of this resource"))
        }
        do { try Kind.checkInputOnly(body) } catch { throw .invalid(error) }
    }

    /// The kind's validation, on the thread pool when it may wait (hash passwords with bcrypt,
    /// read certificates, resolve names).
    private func prepared(_ input: Kind.Payload, previous: Kind.Payload?, validation: ValidationContext) async throws -> Kind.Payload {
        do {
            guard Kind.prepareMayWait(input, context: validation) else { return try Kind.prepare(input, previous: previous, context: validation) }
            return try await NIOThreadPool.singleton.runIfActive { try Kind.prepare(input, previous: previous, context: validation) }
        } catch let failure as ValidationFailure {
            throw DomainError.invalid(failure)
        }
    }

    /// Refuses, at save time, what the server's Caddy could not run (its modules are known once
    /// its Caddy or agent has reported them). The server is read only when the resource needs a
    /// module: most need none, and reading its whole row took about a third of the transaction
    /// that stores a plain proxy host.
    private func checkModules(_ payload: Kind.Payload, enabled: Bool, serverID: Int64, _ db: any SQLConnection) throws {
        let needs = Kind.requiredModules(payload)
        guard enabled, !needs.isEmpty, let server = try ServerRepository.find(db, id: serverID), let modules = server.reportedModules
        else { return }
        for need in needs where !modules.contains(need.module) {
            throw DomainError.invalid(
                ValidationFailure(
                    need.field, "needs the Caddy module `\(need.module)` (\(need.why)), which the Caddy of server \(server.name) does not have"))
        }
    }

    private func checkReferences(_ payload: Kind.Payload, _ db: any SQLConnection) throws {
        for reference in Kind.references(payload) {
            guard try ResourceRepository.exists(db, id: reference.id, type: reference.type) else {
                throw DomainError.missingReference(field: reference.field, "no \(reference.type) has id \(reference.id)")
            }
        }
    }

    /// Records what an enabled resource holds exclusively; 409 naming the holder on a clash (the
    /// local server's `admin_domain`, where the admin itself is served, included).
    private func claim(_ payload: Kind.Payload, resourceID: Int64, serverID: Int64, _ db: any SQLConnection) throws {
        for claim in Kind.claims(payload) {
            if claim.hasPrefix("domain:"), let adminDomain = try SettingsRepository.value(db, "admin_domain"), !adminDomain.isEmpty,
                claim == "domain:\(adminDomain)", try ServerRepository.localID(db) == serverID
            {
                throw DomainError.conflict(
                    field: "domain_names", "\(claim.dropFirst("domain:".count)) is where this admin is served (the admin_domain setting)")
            }
            if let holder = try ResourceRepository.claimHolder(db, serverID: serverID, claim: claim, except: resourceID) {
                let parts = claim.split(separator: ":", maxSplits: 1)
                let field = parts.first == "domain" ? "domain_names" : "incoming_port"
                throw DomainError.conflict(field: field, "\(parts.last ?? "") is already used by enabled \(holder.type) \(holder.id) on this server")
            }
            try ResourceRepository.addClaim(db, resourceID: resourceID, serverID: serverID, claim: claim)
        }
    }

    /// A resource that refers to `id` (for deleting access lists and certificates).
    private func firstReferrer(to id: Int64, _ db: any SQLConnection) throws -> String? {
        guard let field = Kind.referenceField else { return nil }
        return try ResourceRepository.firstReferrer(db, member: field, id: id)
    }

    /// The changed resource `id` is in the desired state of `servers` and of every server whose
    /// resources refer to it: each must apply again (their revisions are how the local applier
    /// and the agents learn that their state changed).
    private func bumpRevisions(_ db: any SQLConnection, of servers: Set<Int64>, referringTo id: Int64) throws {
        var servers = servers
        if let field = Kind.referenceField { servers.formUnion(try ResourceRepository.serversReferring(db, member: field, id: id)) }
        for server in servers.sorted() { try ServerRepository.bumpRevision(db, id: server) }
    }

    /// `enabled` and `server_id`, type-checked by the JSON decoder.
    private struct Common: Decodable {
        var enabled: Bool?
        var server_id: Int64?
    }

    private func common(_ body: JSON) throws -> Common {
        try JSONInput.decode(Common.self, from: JSONInput.members(of: body, in: Self.commonFields))
    }
}
