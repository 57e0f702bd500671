import JSONCore

/// A redirection host.
public struct RedirectionHost: JSONReadable, Sendable, Equatable {
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

    public init(json: JSON) throws(JSONReadError) {
        let object = try JSONObject(json)
        id = try object.required("id")
        enabled = try object.value("enabled", default: true)
        domainNames = try object.required("domain_names")
        forwardScheme = try object.value("forward_scheme", default: "auto")
        forwardDomainName = try object.required("forward_domain_name")
        forwardHttpCode = try object.value("forward_http_code", default: 301)
        preservePath = try object.value("preserve_path", default: true)
        certificateId = try object.optional("certificate_id")
        sslForced = try object.value("ssl_forced", default: false)
    }
}

/// A dead host: answers 404 for everything.
public struct DeadHost: JSONReadable, Sendable, Equatable {
    public var id: Int
    public var enabled: Bool
    public var domainNames: [String]
    public var certificateId: Int?
    public var sslForced: Bool
    public var accessListId: Int?

    public init(json: JSON) throws(JSONReadError) {
        let object = try JSONObject(json)
        id = try object.required("id")
        enabled = try object.value("enabled", default: true)
        domainNames = try object.required("domain_names")
        certificateId = try object.optional("certificate_id")
        sslForced = try object.value("ssl_forced", default: false)
        accessListId = try object.optional("access_list_id")
    }
}

/// A stream host: a TCP/UDP port forwarded by Caddy's layer4 app.
public struct StreamHost: JSONReadable, Sendable, Equatable {
    public var id: Int
    public var enabled: Bool
    public var incomingPort: Int
    public var forwardingHost: String
    public var forwardingPort: Int
    public var tcpForwarding: Bool
    public var udpForwarding: Bool
    /// Match only TLS ClientHellos for these server names.
    public var sniNames: [String]

    public init(json: JSON) throws(JSONReadError) {
        let object = try JSONObject(json)
        id = try object.required("id")
        enabled = try object.value("enabled", default: true)
        incomingPort = try object.required("incoming_port")
        forwardingHost = try object.required("forwarding_host")
        forwardingPort = try object.required("forwarding_port")
        tcpForwarding = try object.value("tcp_forwarding", default: true)
        udpForwarding = try object.value("udp_forwarding", default: false)
        sniNames = try object.value("sni_names", default: [])
    }
}

/// An access list.
public struct AccessList: JSONReadable, Sendable, Equatable {
    public var id: Int
    public var satisfyAny: Bool
    public var passAuth: Bool
    /// Ordered client rules; the first that matches decides.
    public var clients: [Client]
    /// Basic-auth users with bcrypt password hashes.
    public var items: [User]

    public struct Client: JSONReadable, Sendable, Equatable {
        /// An address or CIDR.
        public var address: String
        /// allow | deny
        public var directive: String

        public init(json: JSON) throws(JSONReadError) {
            let object = try JSONObject(json)
            address = try object.required("address")
            directive = try object.required("directive")
        }
    }

    public struct User: JSONReadable, Sendable, Equatable {
        public var username: String
        public var passwordHash: String

        public init(json: JSON) throws(JSONReadError) {
            let object = try JSONObject(json)
            username = try object.required("username")
            passwordHash = try object.required("password_hash")
        }
    }

    public init(json: JSON) throws(JSONReadError) {
        let object = try JSONObject(json)
        id = try object.required("id")
        satisfyAny = try object.value("satisfy_any", default: false)
        passAuth = try object.value("pass_auth", default: false)
        clients = try object.value("clients", default: [])
        items = try object.value("items", default: [])
    }
}

/// A certificate a host can use.
public struct Certificate: JSONReadable, Sendable, Equatable {
    public var id: Int
    /// letsencrypt (automatic, ACME) or other (custom upload).
    public var provider: String
    /// For custom certificates: the PEM chain and key.
    public var certificatePem: String?
    public var keyPem: String?

    public init(json: JSON) throws(JSONReadError) {
        let object = try JSONObject(json)
        id = try object.required("id")
        provider = try object.required("provider")
        certificatePem = try object.optional("certificate_pem")
        keyPem = try object.optional("key_pem")
    }
}
