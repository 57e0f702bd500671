/// The part of a server's desired state (JSON from the controller) that the Caddy renderer
/// reads. Field names follow the REST API's snake_case.
public struct RenderInput: Decodable, Sendable {
    /// The desired-state revision this input belongs to.
    public var revision: Int
    public var proxyHosts: [ProxyHost]

    enum CodingKeys: String, CodingKey {
        case revision
        case proxyHosts = "proxy_hosts"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        revision = try container.decodeIfPresent(Int.self, forKey: .revision) ?? 0
        proxyHosts = try container.decodeIfPresent([ProxyHost].self, forKey: .proxyHosts) ?? []
    }

    /// A proxy host: domain names forwarded to one upstream.
    public struct ProxyHost: Decodable, Sendable {
        public var id: Int
        public var domainNames: [String]
        public var forwardScheme: String
        public var forwardHost: String
        public var forwardPort: Int
        public var enabled: Bool

        enum CodingKeys: String, CodingKey {
            case id, enabled
            case domainNames = "domain_names"
            case forwardScheme = "forward_scheme"
            case forwardHost = "forward_host"
            case forwardPort = "forward_port"
        }
    }
}

/// The renderer's own settings, from the pipeline configuration.
public struct RenderSettings: Decodable, Sendable {
    /// Port of the plain-HTTP listener [80].
    public var httpPort: Int = 80

    enum CodingKeys: String, CodingKey {
        case httpPort = "http_port"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        httpPort = try container.decodeIfPresent(Int.self, forKey: .httpPort) ?? 80
    }
}
