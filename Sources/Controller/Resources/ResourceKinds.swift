import JSONCore

/// The kinds of resource, in one list each.
enum ResourceKinds {
    /// What a server serves (Caddy routes, iptables forwards), with each kind's key in the
    /// desired state.
    static let served: [(type: String, key: String)] = [
        (ProxyHostKind.type, ProxyHostKind.stateKey), (RedirectionHostKind.type, RedirectionHostKind.stateKey),
        (DeadHostKind.type, DeadHostKind.stateKey), (StreamHostKind.type, StreamHostKind.stateKey),
        (PortForwardKind.type, PortForwardKind.stateKey),
    ]

    /// The hosts a stored resource of `type` dials, each with the field naming it; empty for a
    /// kind that dials none or data that no longer decodes.
    static func upstreamHosts(type: String, data: String) -> [(host: String, field: String)] {
        switch type {
        case ProxyHostKind.type: hosts(ProxyHostKind.self, data)
        case StreamHostKind.type: hosts(StreamHostKind.self, data)
        case PortForwardKind.type: hosts(PortForwardKind.self, data)
        default: []
        }
    }

    private static func hosts<Kind: ResourceKind>(_ kind: Kind.Type, _ data: String) -> [(host: String, field: String)] {
        guard let json = try? JSONParser.parse(Array(data.utf8)),
            let payload = try? JSONValueDecoder(unknownMembers: .ignore).decode(Kind.Payload.self, from: json)
        else { return [] }
        return Kind.upstreamHosts(payload)
    }
}
