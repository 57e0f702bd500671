/// The kinds of resource, in one list each.
enum ResourceKinds {
    /// What a server serves (Caddy routes, iptables forwards), with each kind's key in the
    /// desired state.
    static let served: [(type: String, key: String)] = [
        (ProxyHostKind.type, ProxyHostKind.stateKey), (RedirectionHostKind.type, RedirectionHostKind.stateKey),
        (DeadHostKind.type, DeadHostKind.stateKey), (StreamHostKind.type, StreamHostKind.stateKey),
        (PortForwardKind.type, PortForwardKind.stateKey),
    ]
}
