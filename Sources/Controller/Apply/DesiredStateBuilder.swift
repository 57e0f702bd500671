import Crypto
import Foundation
import JSONCore

/// Builds one server's desired state, the JSON document its apply pipeline receives: the enabled
/// resources assigned to it, the access lists and certificates they use (with the secrets the
/// data plane needs) and the settings. The revision travels beside the document, so equal content
/// has an equal hash whatever the revision.
enum DesiredStateBuilder {
    /// The kinds a server serves, by desired-state member.
    struct Built: Sendable {
        var document: [UInt8]
        var revision: Int64
        /// The resources in it (served and referenced) and the disabled ones whose removal it
        /// applies, with when each was last changed (as stored: reading 10,000 dates would cost
        /// more than the rest of a build). An apply records a status for each.
        var resources: [(id: Int64, modifiedOn: SQLValue)]

        /// SHA-256 (hex) of `document`, computed when asked (a few milliseconds for 10,000
        /// hosts): an agent's state is sent with it, while the local server's is recorded with
        /// it only after its data plane has it.
        func hash() -> String { Secrets.hex(SHA256.hash(data: document)) }
    }

    /// `adminUpstream`: where the local server's Caddy reaches the controller, given only when
    /// building the local server's state; with the `admin_domain` setting it adds `admin_site`.
    ///
    /// `parts` keeps each resource's serialized part between builds (``DesiredStateParts``).
    static func build(
        _ db: any SQLConnection, serverID: Int64, adminUpstream: (host: String, port: Int)? = nil, parts: DesiredStateParts = .shared
    ) throws -> Built {
        let revision = try ServerRepository.desiredRevision(db, id: serverID)
        let allSettings = try SettingsRepository.all(db)
        let settings = parts.settingsMember(allSettings.filter { !Settings.controllerOnly.contains($0.key) })
        var document: [(String, JSON)] = [("server_id", .int(Int(serverID)))]
        if let adminUpstream, let domain = allSettings["admin_domain"], !domain.isEmpty {
            document.append(
                (
                    "admin_site",
                    [
                        "domain_names": .strings([domain]), "upstream_host": .string(adminUpstream.host),
                        "upstream_port": .int(adminUpstream.port),
                    ]
                ))
        }
        var included: [(Int64, SQLValue)] = []
        let previous = parts.parts(of: serverID)
        var used: [DesiredStateParts.Key: DesiredStateParts.Part] = [:]
        used.reserveCapacity(previous.count)
        included.reserveCapacity(previous.count)
        /// The part of resource `id`, from the previous build when its stored text is unchanged.
        func part(id: Int64, stored: UnsafeRawBufferPointer, modifiedOn: SQLValue, served: Bool) throws -> DesiredStateParts.Part {
            let key = DesiredStateParts.Key(resourceID: id, served: served)
            included.append((id, modifiedOn))
            if let known = previous[key], known.madeFrom(stored) {
                used[key] = known
                return known
            }
            let made = try Self.part(id: id, stored: Array(stored), served: served)
            used[key] = made
            return made
        }
        var members: [(String, [UInt8])] = document.map { ($0.0, $0.1.canonical().serialized()) } + [("settings", settings)]
        var referenced: [String: Set<Int64>] = ["access_list": [], "certificate": []]
        for (type, key) in ResourceKinds.served {
            // Read as lent rows: an unchanged resource costs a comparison of its stored bytes.
            var made: [DesiredStateParts.Part] = []
            try ResourceRepository.forEachEnabled(db, type: type, serverID: serverID) { row in
                guard let id = row.integer(0) else { throw JSONReadError(problem: "a stored \(type) has no integer id") }
                made.append(try row.withBytes(1) { try part(id: id, stored: $0, modifiedOn: row.value(2), served: true) })
            }
            for item in made {
                if let list = item.accessListID { referenced["access_list"]!.insert(list) }
                if let certificate = item.certificateID { referenced["certificate"]!.insert(certificate) }
            }
            members.append((key, Self.array(made.map(\.bytes))))
        }
        for (type, key) in [(AccessListKind.type, AccessListKind.stateKey), (CertificateKind.type, CertificateKind.stateKey)] {
            let rows = try ResourceRepository.some(db, type: type, ids: referenced[type]!.sorted())
            let made = try rows.map { row in
                try Array((row["data"] as String).utf8).withUnsafeBytes {
                    try part(id: row["id"], stored: $0, modifiedOn: row["modified_on"], served: false)
                }
            }
            members.append((key, Self.array(made.map(\.bytes))))
        }
        parts.keep(used, for: serverID)
        // Disabled resources whose removal this state applies: their status settles with it.
        let listed = Set(included.map(\.0))
        for (id, modifiedOn) in try ResourceRepository.pendingRemovals(db, serverID: serverID) where !listed.contains(id) {
            included.append((id, modifiedOn))
        }
        // Members sorted by name at every level, so equal content serializes (and hashes) alike.
        let data = Self.object(members.sorted { $0.0 < $1.0 })
        return Built(document: data, revision: revision, resources: included)
    }

    /// A stored resource's part: its JSON with its id (and `"enabled": true` when served), in
    /// canonical form.
    private static func part(id: Int64, stored: [UInt8], served: Bool) throws -> DesiredStateParts.Part {
        guard case .object(var object) = try JSONParser.parse(stored) else {
            throw JSONReadError(problem: "stored resource \(id) is not a JSON object")
        }
        // canonical() keeps a repeated name's last value: these override what the data holds.
        object.append(("id", .int(Int(id))))
        if served { object.append(("enabled", true)) }
        let json = JSON.object(object)
        func reference(_ name: String) -> Int64? { if case .int(let value)? = json[name] { Int64(value) } else { nil } }
        return DesiredStateParts.Part(
            stored: stored, bytes: json.canonical().serialized(), accessListID: reference("access_list_id"),
            certificateID: reference("certificate_id"))
    }

    /// `[a,b,...]` of serialized values.
    private static func array(_ items: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        bytes.reserveCapacity(items.reduce(2) { $0 + $1.count + 1 })
        for (index, item) in items.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes += item
        }
        bytes.append(UInt8(ascii: "]"))
        return bytes
    }

    /// `{"name":value,...}` of serialized values, in the order given.
    private static func object(_ members: [(String, [UInt8])]) -> [UInt8] {
        JSON.serializedObject([], raw: members)
    }
}
