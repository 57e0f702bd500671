import JSONCore

/// One server's desired state, as the controller sends it (JSON, snake_case keys): the resources
/// assigned to the server and what they refer to. The renderer reads it; it never changes it.
/// Read straight from its text (``JSONStreamReadable``); an absent or null member is empty.
public struct DesiredState: JSONStreamReadable, Sendable, Equatable {
    public var settings = Settings()
    public var proxyHosts: [ProxyHost] = []
    public var redirectionHosts: [RedirectionHost] = []
    public var deadHosts: [DeadHost] = []
    public var streamHosts: [StreamHost] = []
    public var accessLists: [AccessList] = []
    public var certificates: [Certificate] = []
    /// The controller's own admin, served at a domain of its own with an automatic certificate
    /// (only in the controller's local server's state).
    public var adminSite: AdminSite?
    /// Streams the server carries outside Caddy (its Caddy lacks layer4), by id: what carries
    /// each (`iptables`, `socat`). Caddy renders none of them.
    public var streamCarriers: [String: String] = [:]

    /// The desired state in `text`, a JSON document; a failure names the bad value's path.
    public static func reading(_ text: some Collection<UInt8>) throws(DecodingFailure) -> DesiredState {
        try DecodingFailure.reading("desired state", from: text)
    }

    public init(from reader: inout JSONReader) throws(JSONReadError) {
        try reader.enterObject()
        while let name = try reader.nextMember() {
            switch name {
            case "settings": settings = try reader.optional(name) ?? Settings()
            case "proxy_hosts": proxyHosts = try reader.optional(name) ?? []
            case "redirection_hosts": redirectionHosts = try reader.optional(name) ?? []
            case "dead_hosts": deadHosts = try reader.optional(name) ?? []
            case "stream_hosts": streamHosts = try reader.optional(name) ?? []
            case "access_lists": accessLists = try reader.optional(name) ?? []
            case "certificates": certificates = try reader.optional(name) ?? []
            case "admin_site": adminSite = try reader.optional(name)
            case "stream_carriers": streamCarriers = try reader.optional(name) ?? [:]
            default: try reader.skip()
            }
        }
    }

    /// Whether Caddy carries `stream` (its layer4 app), not the server's iptables step.
    public func caddyCarries(_ stream: StreamHost) -> Bool { streamCarriers[String(stream.id)] == nil }

    /// Where the controller's admin is served: the names (HTTPS with an ACME certificate, HTTP
    /// redirected) and the controller's own listener to proxy to.
    public struct AdminSite: JSONReadable, Sendable, Equatable {
        public var domainNames: [String]
        /// The controller's HTTP listener, as Caddy dials it.
        public var upstreamHost: String
        public var upstreamPort: Int

        public init(json: JSON) throws(JSONReadError) {
            let object = try JSONObject(json)
            domainNames = try object.required("domain_names")
            upstreamHost = try object.required("upstream_host")
            upstreamPort = try object.required("upstream_port")
        }
    }

    /// Settings of the controller that shape the rendered config.
    public struct Settings: JSONReadable, Sendable, Equatable {
        /// ACME directory URL [Let's Encrypt production].
        public var acmeDirectory = "https://acme-v02.api.letsencrypt.org/directory"
        public var acmeEmail: String?
        /// What unknown hosts get: `404`, `444` (connection closed), `redirect`, `congratulations`.
        public var defaultSite = "404"
        /// Target of the `redirect` default site.
        public var defaultSiteRedirect: String?

        public init() {}

        public init(json: JSON) throws(JSONReadError) {
            let object = try JSONObject(json)
            acmeDirectory = try object.value("acme_directory", default: acmeDirectory)
            acmeEmail = try object.optional("acme_email")
            defaultSite = try object.value("default_site", default: defaultSite)
            defaultSiteRedirect = try object.optional("default_site_redirect")
        }
    }
}
