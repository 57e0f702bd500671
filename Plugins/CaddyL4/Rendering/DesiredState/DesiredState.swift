/// One server's desired state, as the controller sends it (JSON, snake_case keys): the resources
/// assigned to the server and what they refer to. The renderer reads it; it never changes it.
public struct DesiredState: Decodable, Sendable {
    public var revision: Int
    public var settings: Settings
    public var proxyHosts: [ProxyHost]
    public var redirectionHosts: [RedirectionHost]
    public var deadHosts: [DeadHost]
    public var streamHosts: [StreamHost]
    public var accessLists: [AccessList]
    public var certificates: [Certificate]

    enum CodingKeys: String, CodingKey {
        case revision
        case settings
        case proxyHosts = "proxy_hosts"
        case redirectionHosts = "redirection_hosts"
        case deadHosts = "dead_hosts"
        case streamHosts = "stream_hosts"
        case accessLists = "access_lists"
        case certificates
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        revision = try c.value(.revision, default: 0)
        settings = try c.value(.settings, default: Settings())
        proxyHosts = try c.value(.proxyHosts, default: [])
        redirectionHosts = try c.value(.redirectionHosts, default: [])
        deadHosts = try c.value(.deadHosts, default: [])
        streamHosts = try c.value(.streamHosts, default: [])
        accessLists = try c.value(.accessLists, default: [])
        certificates = try c.value(.certificates, default: [])
    }

    /// Settings of the controller that shape the rendered config.
    public struct Settings: Decodable, Sendable {
        /// ACME directory URL [Let's Encrypt production].
        public var acmeDirectory = "https://acme-v02.api.letsencrypt.org/directory"
        public var acmeEmail: String?
        /// What unknown hosts get: `404`, `444` (connection closed), `redirect`, `congratulations`.
        public var defaultSite = "404"
        /// Target of the `redirect` default site.
        public var defaultSiteRedirect: String?

        public init() {}

        enum CodingKeys: String, CodingKey {
            case acmeDirectory = "acme_directory"
            case acmeEmail = "acme_email"
            case defaultSite = "default_site"
            case defaultSiteRedirect = "default_site_redirect"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            acmeDirectory = try c.value(.acmeDirectory, default: acmeDirectory)
            acmeEmail = try c.decodeIfPresent(String.self, forKey: .acmeEmail)
            defaultSite = try c.value(.defaultSite, default: defaultSite)
            defaultSiteRedirect = try c.decodeIfPresent(String.self, forKey: .defaultSiteRedirect)
        }
    }
}
