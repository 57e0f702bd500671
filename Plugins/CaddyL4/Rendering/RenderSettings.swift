import JSONCore

/// The renderer's own settings: facts about the Caddy it renders for, from the pipeline config of
/// the host that runs it (not from users).
public struct RenderSettings: JSONReadable, Sendable, Equatable {
    /// Port of the plain-HTTP listener [80].
    public var httpPort = 80
    /// Port of the HTTPS listener [443].
    public var httpsPort = 443
    /// Caddy's admin API socket; rendered into the config so a load keeps it there.
    public var adminSocket: String?
    /// Where Caddy keeps certificates and state.
    public var storageRoot: String?
    /// A file Caddy writes its certificate manager's log to (JSON lines, readable by Caddy's
    /// group, rolled at 1 MB), where ``CertificateLog`` reads how each automatic certificate is
    /// doing; nil: not written. Caddy must be able to write to its folder, or a load fails.
    public var certificateLog: String?
    /// Extra CA roots the ACME client trusts (a test CA such as Pebble).
    public var acmeTrustedRoots: [String] = []
    /// Caddy modules present on the server; resources that need others are left out and
    /// reported. Nil: not checked.
    public var modules: Set<String>?
    /// Ports of this machine that stream hosts may not listen on besides HTTP (and HTTPS without
    /// an SNI match): the controller's own listeners on the controller's server [none].
    public var reservedPorts: [Int] = []
    /// How long a config change lets running requests finish [10s].
    public var gracePeriodSeconds = 10
    /// From how many proxy hosts without behaviour of their own a server serves them through
    /// shared routes (``SharedProxyRoute``) [100]. Below it, each keeps its own route and Caddy
    /// counts requests and failures per upstream; from it on, Caddy loads a change many times
    /// faster and counts the shared hosts' upstreams together.
    public var sharedRoutesFrom = 100

    public init() {}

    public init(json: JSON) throws(JSONReadError) {
        let object = try JSONObject(json)
        httpPort = try object.value("http_port", default: httpPort)
        httpsPort = try object.value("https_port", default: httpsPort)
        adminSocket = try object.optional("admin_socket")
        storageRoot = try object.optional("storage_root")
        certificateLog = try object.optional("certificate_log")
        acmeTrustedRoots = try object.value("acme_trusted_roots", default: [])
        modules = try object.optional("modules").map { (names: [String]) in Set(names) }
        gracePeriodSeconds = try object.value("grace_period_seconds", default: gracePeriodSeconds)
        reservedPorts = try object.value("reserved_ports", default: [])
        sharedRoutesFrom = try object.value("shared_routes_from", default: sharedRoutesFrom)
    }
}
