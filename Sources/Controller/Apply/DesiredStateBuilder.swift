import Crypto
import Foundation
import Host
import JSONCore

/// Builds one server's desired state, the JSON document its apply pipeline receives: the enabled
/// resources assigned to it, the access lists and certificates they use (with the secrets the
/// data plane needs) and the settings. The revision travels beside the document, so equal content
/// has an equal hash whatever the revision.
///
/// A build starts from the parts the server's previous build kept (``DesiredStateParts``) and
/// reads only the resources the change journal names since then; when it lacks them, or the
/// journal lists more than ``changesReadApart`` changes or no longer reaches back, it reads the
/// server's resources whole, still reusing each part whose stored text is unchanged. Either way
/// the document is byte for byte what a build from nothing gives.
enum DesiredStateBuilder {
    struct Built: Sendable {
        var document: [UInt8]
        var revision: Int64
        /// Its `pipeline` member as the host reads it back; nil when it names none.
        var pipeline: DesiredPipeline?
        /// The resources in it (served and referenced) and the disabled ones whose removal it
        /// applies, with when each was last changed (as stored: reading 10,000 dates would cost
        /// more than the rest of a build). An apply records a status for each.
        var resources: [ApplyRecorder.Resource]

        /// SHA-256 (hex) of `document`, computed when asked (a few milliseconds for 10,000
        /// hosts): an agent's state is sent with it, while the local server's is recorded with
        /// it only after its data plane has it.
        func hash() -> String { Secrets.hex(SHA256.hash(data: document)) }
    }

    /// Beyond this many journal entries since the kept parts, a build reads the server whole:
    /// one scan then costs less than looking up each change.
    static let changesReadApart: Int64 = 1000

    /// The kinds a served resource refers to, by desired-state member.
    private static let referencedKinds = [(AccessListKind.type, AccessListKind.stateKey), (CertificateKind.type, CertificateKind.stateKey)]

    /// `adminUpstream`: where the local server's Caddy reaches the controller, given only when
    /// building the local server's state; with the `admin_domain` setting it adds `admin_site`.
    ///
    /// `parts` keeps each server's parts between builds: one per database.
    static func build(
        _ db: any SQLConnection, serverID: Int64, adminUpstream: (host: String, port: Int)? = nil, parts: DesiredStateParts
    ) throws -> Built {
        let revision = try ServerRepository.desiredRevision(db, id: serverID)
        let allSettings = try SettingsRepository.all(db)
        var members: [(String, Member)] = [
            ("server_id", .serialized(JSON.int(Int(serverID)).serialized())),
            ("settings", .serialized(parts.settingsMember(allSettings.filter { !Settings.controllerOnly.contains($0.key) }))),
        ]
        if let adminUpstream, let domain = allSettings["admin_domain"], !domain.isEmpty {
            let site: JSON = [
                "domain_names": .strings([domain]), "upstream_host": .string(adminUpstream.host), "upstream_port": .int(adminUpstream.port),
            ]
            members.append(("admin_site", .serialized(site.canonical().serialized())))
        }
        // The apply pipeline kept as data for this server (its own, else the default); without
        // one (null) the server runs the pipeline its host is configured with. Written either
        // way: members are sorted by name, so a host finds it before the proxy hosts and
        // redirections and stops reading there.
        var pipeline: DesiredPipeline?
        if let kept = try PipelineRepository.effective(db, serverID: serverID, name: "apply") {
            let canonical = kept.json.canonical()
            members.append(("pipeline", .serialized(canonical.serialized())))
            pipeline = try DesiredPipeline(json: canonical)
        } else {
            members.append(("pipeline", .serialized(JSON.null.serialized())))
        }

        var (server, current) = try servedParts(db, serverID: serverID, parts: parts)
        var resources: [ApplyRecorder.Resource] = []
        var used: [String: Set<Int64>] = [AccessListKind.type: [], CertificateKind.type: []]
        for (type, key) in ResourceKinds.served {
            let list = server.served[type] ?? DesiredStateParts.ServedList()
            let ids = list.listedIDs
            let listed = list.parts
            for index in listed.indices {
                resources.append(.init(id: ids[index], type: type, modifiedOn: listed[index].modifiedOn, isReference: false))
                if let id = listed[index].accessListID { used[AccessListKind.type]!.insert(id) }
                if let id = listed[index].certificateID { used[CertificateKind.type]!.insert(id) }
            }
            members.append((key, .parts(listed)))
        }
        if let carriers = try streamCarriers(db, serverID: serverID, streams: server.served[StreamHostKind.type]) {
            members.append(("stream_carriers", .serialized(carriers.serialized())))
        }

        var referenced: [Int64: DesiredStateParts.Part] = [:]
        for (type, key) in referencedKinds {
            let ids = used[type]!.sorted()
            // Read: those not known to be current. A read one is reparsed only if its text changed.
            var read: [Int64: DesiredStateParts.Part] = [:]
            for row in try ResourceRepository.some(db, type: type, ids: current ? ids.filter { server.referenced[$0] == nil } : ids) {
                let id: Int64 = row["id"]
                let stored = Array((row["data"] as String).utf8)
                let modifiedOn: SQLValue = row["modified_on"]
                if var kept = server.referenced[id], stored.withUnsafeBytes({ kept.madeFrom($0) }) {
                    kept.modifiedOn = modifiedOn
                    read[id] = kept
                } else {
                    read[id] = try part(id: id, stored: stored, modifiedOn: modifiedOn, served: false)
                }
            }
            var made: [DesiredStateParts.Part] = []
            for id in ids {
                // A reference to a resource that no longer exists lists nothing.
                guard let part = read[id] ?? (current ? server.referenced[id] : nil) else { continue }
                made.append(part)
                referenced[id] = part
                resources.append(.init(id: id, type: type, modifiedOn: part.modifiedOn, isReference: true))
            }
            members.append((key, .parts(made)))
        }
        server.referenced = referenced
        parts.keep(server, for: serverID)

        // Disabled resources whose removal this state applies: their status settles with it.
        for removal in try ResourceRepository.pendingRemovals(db, serverID: serverID) where referenced[removal.id] == nil {
            resources.append(.init(id: removal.id, type: removal.type, modifiedOn: removal.modifiedOn, isReference: false))
        }
        let doc = document(members, parts: parts)
        return Built(document: doc, revision: revision, pipeline: pipeline, resources: resources)
    }

    /// `stream_carriers`: `{"<id>": "iptables" | "socat"}` for each stream this server's data
    /// plane carries outside Caddy because its Caddy lacks layer4 (``StreamHostKind/carrier(_:caddyModules:)``);
    /// nil when there is none, so a state without such streams is as it always was.
    private static func streamCarriers(_ db: any SQLConnection, serverID: Int64, streams: DesiredStateParts.ServedList?) throws -> JSON? {
        guard let streams, !streams.parts.isEmpty, let modules = try ServerRepository.find(db, id: serverID)?.reportedModules,
            !modules.contains("layer4")
        else { return nil }
        var carriers: [(String, JSON)] = []
        for (id, part) in zip(streams.listedIDs, streams.parts) {
            let payload = try JSONValueDecoder(unknownMembers: .ignore).decode(StreamHostKind.Payload.self, from: try JSONParser.parse(part.stored))
            let carrier = StreamHostKind.carrier(payload, caddyModules: modules)
            if carrier != .layer4 { carriers.append((String(id), .string(carrier.rawValue))) }
        }
        return carriers.isEmpty ? nil : JSON.object(carriers)
    }

    /// Server `serverID`'s served parts, true to the database as read by `db`, and whether its
    /// referenced parts are too (they are when only the journal's changes were applied, which
    /// drop every changed one; after a whole read each is checked against its stored text).
    private static func servedParts(
        _ db: any SQLConnection, serverID: Int64, parts: DesiredStateParts
    ) throws -> (DesiredStateParts.Server, current: Bool) {
        let position = try ResourceRepository.changePosition(db)
        var kept = parts.take(serverID)
        if let keptPosition = kept?.position, keptPosition <= position, position - keptPosition <= changesReadApart,
            let changes = try ResourceRepository.changed(db, since: keptPosition),
            // Taken out, not copied: the patch then changes the lists in place instead of copying
            // every part of a list it touches (and retaining what each part holds).
            var server = kept.take()
        {
            try patch(&server, with: changes, serverID: serverID)
            server.position = position
            return (server, true)
        }
        var server = DesiredStateParts.Server(position: position, served: [:], referenced: kept?.referenced ?? [:])
        for (type, _) in ResourceKinds.served {
            var list = DesiredStateParts.ServedList()
            let previous = kept?.served.removeValue(forKey: type)
            // Read as lent rows: an unchanged resource costs a comparison of its stored bytes.
            try ResourceRepository.forEachEnabled(db, type: type, serverID: serverID) { row in
                guard let id = row.integer(0) else { throw JSONReadError(problem: "a stored \(type) has no integer id") }
                let modifiedOn = row.value(2)
                let made = try row.withBytes(1) { stored -> DesiredStateParts.Part in
                    if var known = previous?.part(id: id), known.madeFrom(stored) {
                        known.modifiedOn = modifiedOn
                        return known
                    }
                    return try part(id: id, stored: Array(stored), modifiedOn: modifiedOn, served: true)
                }
                list.append(made, id: id)
            }
            server.served[type] = list
        }
        return (server, false)
    }

    /// Brings `server`'s served parts up to date with `changes`: each changed resource leaves
    /// the lists and, if it is now an enabled resource this server serves, comes back with a
    /// new part; a changed access list or certificate is dropped, to be read again.
    private static func patch(_ server: inout DesiredStateParts.Server, with changes: [ResourceRepository.Changed], serverID: Int64) throws {
        for change in changes {
            server.referenced[change.id] = nil
            for (type, _) in ResourceKinds.served where change.type != type {
                server.served[type]?.remove(id: change.id)
            }
            guard let type = change.type, ResourceKinds.served.contains(where: { $0.type == type }) else { continue }
            guard change.serverID == serverID, change.enabled else {
                server.served[type]?.remove(id: change.id)
                continue
            }
            let made = try part(id: change.id, stored: change.data, modifiedOn: change.modifiedOn, served: true)
            server.served[type, default: DesiredStateParts.ServedList()].put(made, id: change.id)
        }
    }

    /// A stored resource's part: its JSON with its id (and `"enabled": true` when served), in
    /// canonical form.
    private static func part(id: Int64, stored: [UInt8], modifiedOn: SQLValue, served: Bool) throws -> DesiredStateParts.Part {
        guard case .object(var object) = try JSONParser.parse(stored) else {
            throw JSONReadError(problem: "stored resource \(id) is not a JSON object")
        }
        // canonical() keeps a repeated name's last value: these override what the data holds.
        object.append(("id", .int(Int(id))))
        if served { object.append(("enabled", true)) }
        let json = JSON.object(object)
        func reference(_ name: String) -> Int64? { if case .int(let value)? = json[name] { Int64(value) } else { nil } }
        return DesiredStateParts.Part(
            stored: stored, bytes: json.canonical().serialized(), modifiedOn: modifiedOn, accessListID: reference("access_list_id"),
            certificateID: reference("certificate_id"))
    }

    /// A member of the document: serialized, or a list of parts.
    private enum Member {
        case serialized([UInt8])
        case parts([DesiredStateParts.Part])
    }

    /// `{"name":value,...}` with the members sorted by name, as every level of a part is, so
    /// equal content serializes (and hashes) alike. Its size is counted first, then it is written
    /// once: into the spare memory `parts` has when that fits, else into new memory with room to
    /// grow (a state of 10,000 hosts is some 7 MB).
    private static func document(_ members: [(String, Member)], parts: DesiredStateParts) -> [UInt8] {
        let sorted = members.map { (JSON.string($0.0).serialized(), $0.1) }.sorted { $0.0.lexicographicallyPrecedes($1.0) }
        var size = 1 + sorted.count
        for (name, value) in sorted {
            switch value {
            case .serialized(let bytes): size += name.count + 1 + bytes.count
            case .parts(let listed): size += name.count + 3 + listed.reduce(0) { $0 + $1.bytes.count } + max(listed.count - 1, 0)
            }
        }
        // Each piece is appended to memory that holds the whole document: the spare memory when
        // it fits, else new memory with room for a few more resources, since a change that adds
        // one makes the next document larger than this one and new memory costs page faults (at
        // 1,000 hosts: 0.6 ms into new memory of exactly this size, 0.2 into memory reused).
        // Appended, not written over memory filled first: the filling was one more pass.
        var bytes = parts.documentMemory(for: size)
        if bytes.capacity < size { bytes.reserveCapacity(size + size / 16) }
        append(sorted, size: size, to: &bytes)
        return bytes
    }

    /// Appends `{"name":value,...}` of the sorted members, `size` bytes, to the empty `document`,
    /// whose capacity holds them.
    private static func append(_ sorted: [([UInt8], Member)], size: Int, to document: inout [UInt8]) {
        precondition(document.isEmpty && document.capacity >= size, "the document's memory holds \(document.capacity) bytes, not \(size)")
        func put(_ byte: UInt8) {
            precondition(document.count < size, "the document's size was counted as \(size) bytes, more are written")
            document.append(byte)
        }
        func put(_ piece: [UInt8]) {
            precondition(document.count + piece.count <= size, "the document's size was counted as \(size) bytes, more are written")
            document.append(contentsOf: piece)
        }
        put(UInt8(ascii: "{"))
        for (index, (name, value)) in sorted.enumerated() {
            if index > 0 { put(UInt8(ascii: ",")) }
            put(name)
            put(UInt8(ascii: ":"))
            switch value {
            case .serialized(let serialized): put(serialized)
            case .parts(let parts):
                put(UInt8(ascii: "["))
                parts.withUnsafeBufferPointer { parts in
                    for position in parts.indices {
                        if position > 0 { put(UInt8(ascii: ",")) }
                        put(parts[position].bytes)
                    }
                }
                put(UInt8(ascii: "]"))
            }
        }
        put(UInt8(ascii: "}"))
        precondition(document.count == size, "the document's size was counted as \(size) bytes, \(document.count) were written")
    }
}
