import JSONCore

/// A proxy host: domain names forwarded to one or more upstreams.
///
/// Read straight from the desired state's text (``JSONStreamReadable``): a server has thousands.
/// A member that is absent or null takes the default written here; `id`, `domain_names`,
/// `forward_host` and `forward_port` must be there.
public struct ProxyHost: JSONStreamReadable, Sendable, Equatable {
    public var id: Int
    public var enabled = true
    public var domainNames: [String]
    public var forwardScheme = "http"
    public var forwardHost: String
    public var forwardPort: Int
    /// The forward host's share with `weighted_round_robin`.
    public var forwardWeight = 1
    /// Extra backends beside forward_host:forward_port.
    public var upstreams: [Upstream] = []
    /// round_robin, weighted_round_robin, random, least_conn, ip_hash, uri_hash, first.
    public var loadBalancing = "round_robin"
    public var allowWebsocketUpgrade = true
    public var blockExploits = false
    /// Caddy writes a JSON access log of its requests (``AccessLogs``).
    public var accessLog = false
    public var cachingEnabled = false
    public var tlsPassthrough = false
    public var certificateId: Int?
    public var sslForced = false
    public var hstsEnabled = false
    public var hstsSubdomains = false
    /// Clients may speak HTTP/2 to it over HTTPS (off: TLS offers only HTTP/1.1 for its names).
    public var http2Support = true
    /// Clients are told they may switch to HTTP/3 (off: its answers carry no `Alt-Svc`).
    public var http3Support = true
    public var locations: [Location] = []
    public var healthCheck = HealthCheck()
    public var accessListId: Int?
    public var rateLimit: RateLimit?
    /// Custom HTML per status: "404", "502", "503".
    public var errorPages: [String: String] = [:]
    public var headers: [HeaderRule] = []
    /// Raw Caddy routes (a JSON array), set by admins only: placed in the host's subroute after
    /// its access control and before it proxies. Caddy validates them when the config loads.
    public var advancedConfig: JSON?
    /// An admin allowed upstreams on this machine's protected ports or cloud metadata.
    public var allowReservedUpstream = false

    public struct Upstream: JSONReadable, Sendable, Equatable {
        public var host: String
        public var port: Int
        /// Its share with `weighted_round_robin`.
        public var weight: Int

        public init(json: JSON) throws(JSONReadError) {
            let object = try JSONObject(json)
            host = try object.required("host")
            port = try object.required("port")
            weight = try object.value("weight", default: 1)
        }
    }

    /// Requests under `path` go to their own upstream, through their own header rules and raw
    /// Caddy routes first.
    public struct Location: JSONReadable, Sendable, Equatable {
        public var path: String
        public var forwardScheme: String
        public var forwardHost: String
        public var forwardPort: Int
        /// The path on the upstream that replaces the location's own (`/app/x` → `/new/x`).
        public var forwardPath: String?
        public var headers: [HeaderRule]
        public var advancedConfig: JSON?

        public init(json: JSON) throws(JSONReadError) {
            let object = try JSONObject(json)
            path = try object.required("path")
            forwardScheme = try object.required("forward_scheme")
            forwardHost = try object.required("forward_host")
            forwardPort = try object.required("forward_port")
            forwardPath = try object.optional("forward_path")
            headers = try object.value("headers", default: [])
            advancedConfig = try object.optional("advanced_config")
        }
    }

    /// Read straight from the text, as the host is (every host has one); an absent or null
    /// member takes the default written here.
    public struct HealthCheck: JSONStreamReadable, Sendable, Equatable {
        public var activeEnabled = false
        public var path = "/"
        public var intervalSeconds = 30
        public var timeoutSeconds = 5
        public var expectStatus = 200
        public var passiveEnabled = false
        public var failDurationSeconds = 30
        public var maxFails = 3
        /// 0 = off.
        public var unhealthyLatencyMs = 0

        public init() {}

        public init(from reader: inout JSONReader) throws(JSONReadError) {
            let defaults = HealthCheck()
            try reader.enterObject()
            while let name = try reader.nextMember() {
                switch name {
                case "active_enabled": activeEnabled = try reader.optional(name) ?? defaults.activeEnabled
                case "path": path = try reader.optional(name) ?? defaults.path
                case "interval_seconds": intervalSeconds = try reader.optional(name) ?? defaults.intervalSeconds
                case "timeout_seconds": timeoutSeconds = try reader.optional(name) ?? defaults.timeoutSeconds
                case "expect_status": expectStatus = try reader.optional(name) ?? defaults.expectStatus
                case "passive_enabled": passiveEnabled = try reader.optional(name) ?? defaults.passiveEnabled
                case "fail_duration_seconds": failDurationSeconds = try reader.optional(name) ?? defaults.failDurationSeconds
                case "max_fails": maxFails = try reader.optional(name) ?? defaults.maxFails
                case "unhealthy_latency_ms": unhealthyLatencyMs = try reader.optional(name) ?? defaults.unhealthyLatencyMs
                default: try reader.skip()
                }
            }
        }
    }

    public struct RateLimit: JSONReadable, Sendable, Equatable {
        public var requests: Int
        public var windowSeconds: Int

        public init(json: JSON) throws(JSONReadError) {
            let object = try JSONObject(json)
            requests = try object.required("requests")
            windowSeconds = try object.required("window_seconds")
        }
    }

    public struct HeaderRule: JSONReadable, Sendable, Equatable {
        /// request | response
        public var direction: String
        /// set | add | delete
        public var action: String
        public var name: String
        public var value: String

        public init(json: JSON) throws(JSONReadError) {
            let object = try JSONObject(json)
            direction = try object.required("direction")
            action = try object.required("action")
            name = try object.required("name")
            value = try object.value("value", default: "")
        }
    }

    public init(from reader: inout JSONReader) throws(JSONReadError) {
        var (id, domainNames, forwardHost, forwardPort): (Int?, [String]?, String?, Int?)
        try reader.enterObject()
        while let name = try reader.nextMember() {
            switch name {
            case "id": id = try reader.required(name)
            case "enabled": enabled = try reader.optional(name) ?? true
            case "domain_names": domainNames = try reader.required(name)
            case "forward_scheme": forwardScheme = try reader.optional(name) ?? "http"
            case "forward_host": forwardHost = try reader.required(name)
            case "forward_port": forwardPort = try reader.required(name)
            case "forward_weight": forwardWeight = try reader.optional(name) ?? 1
            case "upstreams": upstreams = try reader.optional(name) ?? []
            case "load_balancing": loadBalancing = try reader.optional(name) ?? "round_robin"
            case "allow_websocket_upgrade": allowWebsocketUpgrade = try reader.optional(name) ?? true
            case "block_exploits": blockExploits = try reader.optional(name) ?? false
            case "access_log": accessLog = try reader.optional(name) ?? false
            case "caching_enabled": cachingEnabled = try reader.optional(name) ?? false
            case "tls_passthrough": tlsPassthrough = try reader.optional(name) ?? false
            case "certificate_id": certificateId = try reader.optional(name)
            case "ssl_forced": sslForced = try reader.optional(name) ?? false
            case "hsts_enabled": hstsEnabled = try reader.optional(name) ?? false
            case "hsts_subdomains": hstsSubdomains = try reader.optional(name) ?? false
            case "http2_support": http2Support = try reader.optional(name) ?? true
            case "http3_support": http3Support = try reader.optional(name) ?? true
            case "locations": locations = try reader.optional(name) ?? []
            case "health_check": healthCheck = try reader.optional(name) ?? HealthCheck()
            case "access_list_id": accessListId = try reader.optional(name)
            case "rate_limit": rateLimit = try reader.optional(name)
            case "error_pages": errorPages = try reader.optional(name) ?? [:]
            case "headers": headers = try reader.optional(name) ?? []
            case "advanced_config": advancedConfig = try reader.optional(name, JSON.self).map { $0.canonical() }
            case "allow_reserved_upstream": allowReservedUpstream = try reader.optional(name) ?? false
            default: try reader.skip()
            }
        }
        self.id = try Self.present(id, "id")
        self.domainNames = try Self.present(domainNames, "domain_names")
        self.forwardHost = try Self.present(forwardHost, "forward_host")
        self.forwardPort = try Self.present(forwardPort, "forward_port")
    }

    /// A member that must be there.
    private static func present<T>(_ value: T?, _ name: String) throws(JSONReadError) -> T {
        guard let value else { throw JSONReadError(problem: "missing").within(.key(name)) }
        return value
    }
}
