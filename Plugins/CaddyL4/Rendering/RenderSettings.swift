/// The renderer's own settings: facts about the Caddy it renders for, from the pipeline config of
/// the host that runs it (not from users).
public struct RenderSettings: Decodable, Sendable {
    /// Port of the plain-HTTP listener [80].
    public var httpPort = 80
    /// Port of the HTTPS listener [443].
    public var httpsPort = 443
    /// Caddy's admin API socket; rendered into the config so a load keeps it there.
    public var adminSocket: String?
    /// Where Caddy keeps certificates and state.
    public var storageRoot: String?
    /// Extra CA roots the ACME client trusts (a test CA such as Pebble).
    public var acmeTrustedRoots: [String] = []
    /// Caddy modules present on the server; resources that need others are left out and
    /// reported. Nil: not checked.
    public var modules: Set<String>?
    /// How long a config change lets running requests finish [10s].
    public var gracePeriodSeconds = 10

    public init() {}

    enum CodingKeys: String, CodingKey {
        case httpPort = "http_port"
        case httpsPort = "https_port"
        case adminSocket = "admin_socket"
        case storageRoot = "storage_root"
        case acmeTrustedRoots = "acme_trusted_roots"
        case modules
        case gracePeriodSeconds = "grace_period_seconds"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        httpPort = try c.value(.httpPort, default: httpPort)
        httpsPort = try c.value(.httpsPort, default: httpsPort)
        adminSocket = try c.decodeIfPresent(String.self, forKey: .adminSocket)
        storageRoot = try c.decodeIfPresent(String.self, forKey: .storageRoot)
        acmeTrustedRoots = try c.value(.acmeTrustedRoots, default: [])
        modules = try c.decodeIfPresent(Set<String>.self, forKey: .modules)
        gracePeriodSeconds = try c.value(.gracePeriodSeconds, default: gracePeriodSeconds)
    }
}
