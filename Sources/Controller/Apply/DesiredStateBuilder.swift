import Crypto
import Foundation
import GRDB
import JSONCore

/// Builds one server's desired state, the JSON document its apply pipeline receives: the enabled
/// resources assigned to it, the access lists and certificates they use (with the secrets the
/// data plane needs) and the settings. The revision travels beside the document, so equal content
/// has an equal hash whatever the revision.
enum DesiredStateBuilder {
    /// The kinds a server serves, by desired-state member.
    struct Built: Sendable {
        var document: Data
        var revision: Int64
        /// SHA-256 (hex) of `document`.
        var hash: String
        /// The resources in it (served and referenced), with when each was last changed.
        var resources: [(id: Int64, modifiedOn: Date)]
    }

    /// `adminUpstream`: where the local server's Caddy reaches the controller, given only when
    /// building the local server's state; with the `admin_domain` setting it adds `admin_site`.
    static func build(_ db: Database, serverID: Int64, adminUpstream: (host: String, port: Int)? = nil) throws -> Built {
        let revision = try ServerRepository.desiredRevision(db, id: serverID)
        let allSettings = try SettingsRepository.all(db)
        let settings = allSettings.filter { !Settings.controllerOnly.contains($0.key) }.map { ($0.key, JSON.string($0.value)) }
        var document: [(String, JSON)] = [("server_id", .int(Int(serverID))), ("settings", .object(settings))]
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
        var included: [(Int64, Date)] = []
        var referenced: [String: Set<Int64>] = ["access_list": [], "certificate": []]
        for (type, key) in ResourceKinds.served {
            let rows = try ResourceRepository.enabled(db, type: type, serverID: serverID)
            document.append(
                (
                    key,
                    .array(
                        try rows.map { row in
                            let object = try resource(row, setting: [("enabled", true)])
                            if case .int(let list)? = object["access_list_id"] { referenced["access_list"]!.insert(Int64(list)) }
                            if case .int(let certificate)? = object["certificate_id"] { referenced["certificate"]!.insert(Int64(certificate)) }
                            included.append((row["id"], row["modified_on"]))
                            return object
                        })
                ))
        }
        for (type, key) in [(AccessListKind.type, AccessListKind.stateKey), (CertificateKind.type, CertificateKind.stateKey)] {
            let rows = try ResourceRepository.some(db, type: type, ids: referenced[type]!.sorted())
            document.append(
                (
                    key,
                    .array(
                        try rows.map { row in
                            included.append((row["id"], row["modified_on"]))
                            return try resource(row)
                        })
                ))
        }
        // Members sorted by name at every level, so equal content serializes (and hashes) alike.
        let data = Data(JSON.object(document).canonical().serialized())
        let hash = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        return Built(document: data, revision: revision, hash: hash, resources: included)
    }

    /// A stored resource's JSON with its id, and `members` set over what it holds.
    private static func resource(_ row: Row, setting members: [(String, JSON)] = []) throws -> JSON {
        guard case .object(var object) = try JSONParser.parse(Array((row["data"] as String).utf8)) else {
            throw JSONReadError(problem: "stored resource \(row["id"] as Int64) is not a JSON object")
        }
        // canonical() keeps a repeated name's last value: these override what the data holds.
        object.append(("id", .int(Int(row["id"] as Int64))))
        object += members
        return .object(object)
    }
}
