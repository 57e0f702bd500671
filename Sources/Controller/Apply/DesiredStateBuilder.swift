import Crypto
import Foundation
import GRDB

/// Builds one server's desired state, the JSON document its apply pipeline receives: the enabled
/// resources assigned to it, the access lists and certificates they use (with the secrets the
/// data plane needs) and the settings. The revision travels beside the document, so equal content
/// has an equal hash whatever the revision.
enum DesiredStateBuilder {
    /// The kinds a server serves, by desired-state member.
    static let servedTypes: [(type: String, key: String)] = [
        (ProxyHostKind.type, ProxyHostKind.stateKey), (RedirectionHostKind.type, RedirectionHostKind.stateKey),
        (DeadHostKind.type, DeadHostKind.stateKey), (StreamHostKind.type, StreamHostKind.stateKey),
        (PortForwardKind.type, PortForwardKind.stateKey),
    ]

    struct Built: Sendable {
        var document: Data
        var revision: Int64
        /// SHA-256 (hex) of `document`.
        var hash: String
        /// The resources in it (served and referenced), with when each was last changed.
        var resources: [(id: Int64, modifiedOn: Date)]
    }

    static func build(_ db: Database, serverID: Int64) throws -> Built {
        let revision = try Int64.fetchOne(db, sql: "SELECT desired_revision FROM servers WHERE id = ?", arguments: [serverID]) ?? 0
        var document: [String: Any] = ["server_id": serverID, "settings": try SettingsRoutes.all(db)]
        var included: [(Int64, Date)] = []
        var referenced: [String: Set<Int64>] = ["access_list": [], "certificate": []]
        for (type, key) in servedTypes {
            let rows = try Row.fetchAll(db, sql: "SELECT id, data, modified_on FROM resources WHERE server_id = ? AND type = ? AND enabled = 1 ORDER BY id",
                                        arguments: [serverID, type])
            document[key] = try rows.map { row -> [String: Any] in
                var object = try JSONSerialization.jsonObject(with: Data((row["data"] as String).utf8)) as? [String: Any] ?? [:]
                object["id"] = row["id"] as Int64
                object["enabled"] = true
                if let list = (object["access_list_id"] as? NSNumber)?.int64Value { referenced["access_list"]!.insert(list) }
                if let certificate = (object["certificate_id"] as? NSNumber)?.int64Value { referenced["certificate"]!.insert(certificate) }
                included.append((row["id"], row["modified_on"]))
                return object
            }
        }
        for (type, key) in [(AccessListKind.type, AccessListKind.stateKey), (CertificateKind.type, CertificateKind.stateKey)] {
            let ids = Array(referenced[type]!)
            let rows = ids.isEmpty ? [] : try Row.fetchAll(db, sql: "SELECT id, data, modified_on FROM resources WHERE type = ? AND id IN (\(ids.map { _ in "?" }.joined(separator: ",")))",
                                                           arguments: StatementArguments([type] + ids.map { $0 as (any DatabaseValueConvertible) }))
            document[key] = try rows.map { row -> [String: Any] in
                var object = try JSONSerialization.jsonObject(with: Data((row["data"] as String).utf8)) as? [String: Any] ?? [:]
                object["id"] = row["id"] as Int64
                included.append((row["id"], row["modified_on"]))
                return object
            }
        }
        let data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
        let hash = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        return Built(document: data, revision: revision, hash: hash, resources: included)
    }
}
