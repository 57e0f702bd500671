import JSONCore

/// Stream hosts: carried by Caddy's layer4 app where the server's Caddy has it, and otherwise,
/// when the stream needs nothing only layer4 does (SNI matching, a target by name), by the
/// iptables step: DNAT to the target, or a supervised socat for a target on the server itself.
enum StreamHostKind: ResourceKind {
    static let type = "stream_host"
    static let path = "stream-hosts"
    static let stateKey = "stream_hosts"
    static let fields: Set<String> = Set(Payload.CodingKeys.allCases.map(\.rawValue))
    /// Ports no stream may take: HTTP and the controller; HTTPS unless matched by SNI.
    static let reservedPorts = [80, 81]

    struct Payload: Codable, Sendable {
        var incoming_port: Int
        var forwarding_host: String
        var forwarding_port: Int
        var tcp_forwarding: Bool
        var udp_forwarding: Bool
        var sni_names: [String]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case incoming_port, forwarding_host, forwarding_port, tcp_forwarding, udp_forwarding, sni_names
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            incoming_port = try c.decode(Int.self, forKey: .incoming_port)
            forwarding_host = try c.decode(String.self, forKey: .forwarding_host)
            forwarding_port = try c.decode(Int.self, forKey: .forwarding_port)
            tcp_forwarding = try c.value(.tcp_forwarding, default: true)
            udp_forwarding = try c.value(.udp_forwarding, default: false)
            sni_names = try c.value(.sni_names, default: [])
        }
    }

    static func prepare(_ input: Payload, previous: Payload?, context: ValidationContext) throws -> Payload {
        var p = input
        p.incoming_port = try FieldRules.port(p.incoming_port, field: "incoming_port")
        p.forwarding_host = try FieldRules.host(p.forwarding_host, field: "forwarding_host")
        p.forwarding_port = try FieldRules.port(p.forwarding_port, field: "forwarding_port")
        try context.addresses.check(host: p.forwarding_host, port: p.forwarding_port, field: "forwarding_host")
        guard p.tcp_forwarding || p.udp_forwarding else { throw ValidationFailure("tcp_forwarding", "turn on TCP, UDP or both") }
        p.sni_names = try p.sni_names.isEmpty ? [] : FieldRules.domainNames(p.sni_names, field: "sni_names")
        if reservedPorts.contains(p.incoming_port) || (p.incoming_port == 443 && p.sni_names.isEmpty) || p.incoming_port == context.controllerPort {
            throw ValidationFailure("incoming_port", "is reserved (80, 81 and the controller's port; 443 only with an SNI match)")
        }
        if p.incoming_port == 443 && p.udp_forwarding { throw ValidationFailure("udp_forwarding", "a stream on 443 matched by SNI is TCP only") }
        return p
    }

    static func claims(_ payload: Payload) -> [String] {
        if !payload.sni_names.isEmpty { return payload.sni_names.map { "sni:\(payload.incoming_port):\($0)" } }
        return (payload.tcp_forwarding ? ["port:tcp:\(payload.incoming_port)"] : [])
            + (payload.udp_forwarding ? ["port:udp:\(payload.incoming_port)"] : [])
    }
    static func upstreamHosts(_ payload: Payload) -> [(host: String, field: String)] { [(payload.forwarding_host, "forwarding_host")] }

    static func searchText(_ payload: Payload) -> String {
        "\(payload.incoming_port) \(payload.forwarding_host) \(payload.sni_names.joined(separator: " "))"
    }

    static func requiredModules(_ payload: Payload) -> [(module: String, field: String, why: String)] {
        guard let need = layer4Need(payload) else { return [] }
        return [(payload.incoming_port == 443 ? "caddy.listeners.layer4" : "layer4", need.field, need.why)]
    }

    /// What carries a stream on a server.
    enum Carrier: String, Sendable {
        /// Caddy's layer4 app.
        case layer4
        /// An iptables DNAT rule (with masquerading) to the target.
        case iptables
        /// A socat process the host supervises: for a target on the server itself, which DNAT
        /// cannot reach from outside.
        case socat
    }

    /// Why only Caddy's layer4 app can carry the stream, with the field that makes it so; nil
    /// when the iptables path can.
    static func layer4Need(_ payload: Payload) -> (field: String, why: String)? {
        if !payload.sni_names.isEmpty { return ("sni_names", "to match connections by SNI") }
        if let address = IPAddress(payload.forwarding_host), !address.isV4 { return ("forwarding_host", "to forward to an IPv6 address") }
        return nil
    }

    /// What carries the stream on a server whose Caddy has `caddyModules` (nil until reported,
    /// when layer4 is assumed, as the save-time check does): layer4 when it can; otherwise
    /// DNAT to an IPv4 target, and socat to one on the server itself or named by host name
    /// (socat resolves the name for each connection).
    static func carrier(_ payload: Payload, caddyModules: [String]?) -> Carrier {
        if layer4Need(payload) != nil || caddyModules?.contains("layer4") ?? true { return .layer4 }
        guard let address = IPAddress(payload.forwarding_host) else { return .socat }
        return address.isLoopback ? .socat : .iptables
    }

    static var derivesFromServer: Bool { true }

    static func serverDerived(_ payload: Payload, caddyModules: [String]?) -> [(String, JSON)] {
        [("carrier", .string(carrier(payload, caddyModules: caddyModules).rawValue))]
    }
}

/// Port forwards: iptables DNAT, or a managed socat process.
enum PortForwardKind: ResourceKind {
    static let type = "port_forward"
    static let path = "port-forwards"
    static let stateKey = "port_forwards"
    static let fields: Set<String> = Set(Payload.CodingKeys.allCases.map(\.rawValue))

    struct Payload: Codable, Sendable {
        var `protocol`: String
        var incoming_port: Int
        var forward_host: String
        var forward_port: Int
        var interface: String
        var method: String

        enum CodingKeys: String, CodingKey, CaseIterable { case `protocol`, incoming_port, forward_host, forward_port, interface, method }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            `protocol` = try c.value(.protocol, default: "tcp")
            incoming_port = try c.decode(Int.self, forKey: .incoming_port)
            forward_host = try c.decode(String.self, forKey: .forward_host)
            forward_port = try c.decode(Int.self, forKey: .forward_port)
            interface = try c.value(.interface, default: "")
            method = try c.value(.method, default: "iptables")
        }
    }

    static func prepare(_ input: Payload, previous: Payload?, context: ValidationContext) throws -> Payload {
        var p = input
        p.protocol = try FieldRules.oneOf(p.protocol, ["tcp", "udp", "tcp+udp"], field: "protocol")
        p.incoming_port = try FieldRules.port(p.incoming_port, field: "incoming_port")
        guard let address = IPAddress(p.forward_host), address.isV4 else { throw ValidationFailure("forward_host", "must be an IPv4 address") }
        p.forward_host = address.description
        p.forward_port = try FieldRules.port(p.forward_port, field: "forward_port")
        try context.addresses.check(host: p.forward_host, port: p.forward_port, field: "forward_host")
        let interfaceBytes = Array(p.interface.utf8)
        guard
            interfaceBytes.isEmpty
                || ((1...15).contains(interfaceBytes.count)
                    && interfaceBytes.allSatisfy({ byte in
                        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2E
                            || byte == 0x5F || byte == 0x2D
                    }))
        else { throw ValidationFailure("interface", "must be empty (all) or 1-15 letters, digits, '.', '_' or '-'") }
        p.method = try FieldRules.oneOf(p.method, ["iptables", "socat"], field: "method")
        guard p.incoming_port != context.controllerPort else { throw ValidationFailure("incoming_port", "is the controller's port") }
        return p
    }

    static func claims(_ payload: Payload) -> [String] {
        let protocols = payload.protocol == "tcp+udp" ? ["tcp", "udp"] : [payload.protocol]
        return protocols.map { "port:\($0):\(payload.incoming_port)" }
    }
    static func upstreamHosts(_ payload: Payload) -> [(host: String, field: String)] { [(payload.forward_host, "forward_host")] }
    static func searchText(_ payload: Payload) -> String { "\(payload.incoming_port) \(payload.forward_host) \(payload.interface)" }
}
