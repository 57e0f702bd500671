/// A redirection host (SPEC §3.2).
public struct RedirectionHost: Decodable, Sendable {
    public var id: Int
    public var enabled: Bool
    public var domainNames: [String]
    /// http, https, or auto (the scheme of the request).
    public var forwardScheme: String
    public var forwardDomainName: String
    public var forwardHttpCode: Int
    public var preservePath: Bool
    public var certificateId: Int?
    public var sslForced: Bool

    enum CodingKeys: String, CodingKey {
        case id
        case enabled
        case domainNames = "domain_names"
        case forwardScheme = "forward_scheme"
        case forwardDomainName = "forward_domain_name"
        case forwardHttpCode = "forward_http_code"
        case preservePath = "preserve_path"
        case certificateId = "certificate_id"
        case sslForced = "ssl_forced"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int.self, forKey: .id)
        enabled = try c.value(.enabled, default: true)
        domainNames = try c.decode([String].self, forKey: .domainNames)
        forwardScheme = try c.value(.forwardScheme, default: "auto")
        forwardDomainName = try c.decode(String.self, forKey: .forwardDomainName)
        forwardHttpCode = try c.value(.forwardHttpCode, default: 301)
        preservePath = try c.value(.preservePath, default: true)
        certificateId = try c.decodeIfPresent(Int.self, forKey: .certificateId)
        sslForced = try c.value(.sslForced, default: false)
    }
}

/// A dead host (SPEC §3.4): answers 404 for everything.
public struct DeadHost: Decodable, Sendable {
    public var id: Int
    public var enabled: Bool
    public var domainNames: [String]
    public var certificateId: Int?
    public var sslForced: Bool
    public var accessListId: Int?

    enum CodingKeys: String, CodingKey {
        case id
        case enabled
        case domainNames = "domain_names"
        case certificateId = "certificate_id"
        case sslForced = "ssl_forced"
        case accessListId = "access_list_id"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int.self, forKey: .id)
        enabled = try c.value(.enabled, default: true)
        domainNames = try c.decode([String].self, forKey: .domainNames)
        certificateId = try c.decodeIfPresent(Int.self, forKey: .certificateId)
        sslForced = try c.value(.sslForced, default: false)
        accessListId = try c.decodeIfPresent(Int.self, forKey: .accessListId)
    }
}

/// A stream host (SPEC §3.3): a TCP/UDP port forwarded by Caddy's layer4 app.
public struct StreamHost: Decodable, Sendable {
    public var id: Int
    public var enabled: Bool
    public var incomingPort: Int
    public var forwardingHost: String
    public var forwardingPort: Int
    public var tcpForwarding: Bool
    public var udpForwarding: Bool
    /// Match only TLS ClientHellos for these server names.
    public var sniNames: [String]

    enum CodingKeys: String, CodingKey {
        case id
        case enabled
        case incomingPort = "incoming_port"
        case forwardingHost = "forwarding_host"
        case forwardingPort = "forwarding_port"
        case tcpForwarding = "tcp_forwarding"
        case udpForwarding = "udp_forwarding"
        case sniNames = "sni_names"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int.self, forKey: .id)
        enabled = try c.value(.enabled, default: true)
        incomingPort = try c.decode(Int.self, forKey: .incomingPort)
        forwardingHost = try c.decode(String.self, forKey: .forwardingHost)
        forwardingPort = try c.decode(Int.self, forKey: .forwardingPort)
        tcpForwarding = try c.value(.tcpForwarding, default: true)
        udpForwarding = try c.value(.udpForwarding, default: false)
        sniNames = try c.value(.sniNames, default: [])
    }
}

/// An access list (SPEC §3.6).
public struct AccessList: Decodable, Sendable {
    public var id: Int
    public var satisfyAny: Bool
    public var passAuth: Bool
    /// Ordered client rules; the first that matches decides.
    public var clients: [Client]
    /// Basic-auth users with bcrypt password hashes.
    public var items: [User]

    public struct Client: Decodable, Sendable {
        /// An address or CIDR.
        public var address: String
        /// allow | deny
        public var directive: String
    }

    public struct User: Decodable, Sendable {
        public var username: String
        public var passwordHash: String

        enum CodingKeys: String, CodingKey {
            case username
            case passwordHash = "password_hash"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id
        case satisfyAny = "satisfy_any"
        case passAuth = "pass_auth"
        case clients
        case items
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int.self, forKey: .id)
        satisfyAny = try c.value(.satisfyAny, default: false)
        passAuth = try c.value(.passAuth, default: false)
        clients = try c.value(.clients, default: [])
        items = try c.value(.items, default: [])
    }
}

/// A certificate a host can use (SPEC §3.7).
public struct Certificate: Decodable, Sendable {
    public var id: Int
    /// letsencrypt (automatic, ACME) or other (custom upload).
    public var provider: String
    /// For custom certificates: the PEM chain and key.
    public var certificatePem: String?
    public var keyPem: String?

    enum CodingKeys: String, CodingKey {
        case id, provider
        case certificatePem = "certificate_pem"
        case keyPem = "key_pem"
    }
}
