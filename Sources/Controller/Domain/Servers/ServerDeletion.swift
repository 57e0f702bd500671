import Foundation
import JSONCore

/// What deleting a remote server does to what it serves, shown before it is done and chosen by
/// the admin: its resources either move to the local server (which then serves them) or are
/// deleted with it. A resource moves unless the local server already serves its domain or port
/// (then it moves disabled). An upstream the removed server could reach may not be reachable
/// from the local server: a loopback address meant the removed server itself, a private address
/// belongs to its network, and a name that does not resolve here existed only there.
enum ServerDeletion {
    /// What happens to the server's resources.
    enum Disposal: String, Sendable, CaseIterable {
        case move, delete
    }

    /// Why an upstream may not be reachable once its resource moves.
    enum Risk: String, Sendable {
        case loopback, privateNetwork = "private_network", unresolved

        var message: String {
            switch self {
            case .loopback: "meant the removed server itself; from the local server it leads to the controller's machine"
            case .privateNetwork: "is a private address: the local server reaches it only if it is on the same network"
            case .unresolved: "does not resolve from the controller's machine"
            }
        }
    }

    struct Upstream: Sendable, Equatable {
        var field: String
        var host: String
        var risk: Risk
    }

    struct Resource: Sendable, Equatable {
        var id: Int64
        var type: String
        var summary: String
        var enabled: Bool
        /// The local server already serves its domain or port: it would move disabled.
        var conflicts: Bool
        var unreachable: [Upstream]
    }

    /// Every resource in `rows` (a server's), with what moving it would mean; `conflicting`: the
    /// ids whose domain or port the local server already serves. Names are resolved here, so
    /// call it outside a database transaction.
    static func preview(_ rows: [ResourceRow], conflicting: Set<Int64>, addresses: AddressPolicy) -> [Resource] {
        rows.map { row in
            let upstreams = ResourceKinds.upstreamHosts(type: row.type, data: row.data).compactMap { host, field in
                risk(of: host, addresses).map { Upstream(field: field, host: host, risk: $0) }
            }
            return Resource(
                id: row.id, type: row.type, summary: summary(row.data), enabled: row.enabled, conflicts: conflicting.contains(row.id),
                unreachable: upstreams)
        }
    }

    /// Why `host` may not be reachable from the local server, or nil.
    static func risk(of host: String, _ addresses: AddressPolicy) -> Risk? {
        let name = host.lowercased()
        if name == "localhost" || name.hasSuffix(".localhost") { return .loopback }
        let resolved = AddressPolicy.literal(host).map { [$0] } ?? addresses.resolve(name)
        if resolved.isEmpty { return .unresolved }
        let embedded = resolved.map(AddressPolicy.embedded)
        if embedded.contains(where: \.isLoopback) { return .loopback }
        if embedded.contains(where: \.isPrivate) { return .privateNetwork }
        return nil
    }

    /// How a person recognizes the resource: its domain names, or its protocol and port.
    private static func summary(_ data: String) -> String {
        guard let json = try? JSONParser.parse(Array(data.utf8)) else { return "" }
        if let names = json["domain_names"]?.arrayValue, !names.isEmpty {
            return names.compactMap(\.stringValue).joined(separator: ", ")
        }
        if case .int(let port)? = json["incoming_port"] {
            return "\(json["protocol"]?.stringValue ?? "tcp") port \(port)"
        }
        return ""
    }
}

extension ServerDeletion.Resource {
    var json: JSON {
        .with([
            "id": id, "type": type, "summary": summary, "enabled": enabled, "conflicts": conflicts,
            "unreachable_upstreams": JSON.array(
                unreachable.map { JSON.with(["field": $0.field, "host": $0.host, "risk": $0.risk.rawValue, "message": $0.risk.message]) }),
        ])
    }
}
