import JSONCore

/// A proxy host: domain names forwarded to one or more upstreams.
public struct ProxyHost: JSONReadable, Sendable, Equatable {
    public var id: Int
    public var enabled: Bool
    public var domainNames: [String]
    public var forwardScheme: String
    public var forwardHost: String
    public var forwardPort: Int
    /// The forward host's share with `weighted_round_robin`.
    public var forwardWeight: Int
    /// Extra backends beside forward_host:forward_port.
    public var upstreams: [Upstream]
    /// round_robin, weighted_round_robin, random, least_conn, ip_hash, uri_hash, first.
    public var loadBalancing: String
    public var allowWebsocketUpgrade: Bool
    public var blockExploits: Bool
    /// Caddy writes a JSON access log of its requests (``AccessLogs``).
    public var accessLog = false
    public var cachingEnabled: Bool
    public var tlsPassthrough: Bool
    public var certificateId: Int?
    public var sslForced: Bool
    public var hstsEnabled: Bool
    public var hstsSubdomains: Bool
    /// Clients may speak HTTP/2 to it over HTTPS (off: TLS offers only HTTP/1.1 for its names).
    public var http2Support: Bool
    /// Clients are told they may switch to HTTP/3 (off: its answers carry no `Alt-Svc`).
    public var http3Support: Bool
    public var locations: [Location]
    public var healthCheck: HealthCheck
    public var accessListId: Int?
    public var rateLimit: RateLimit?
    /// Custom HTML per status: "404", "502", "503".
    public var errorPages: [String: String]
    public var headers: [HeaderRule]
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

    public struct HealthCheck: JSONReadable, Sendable, Equatable {
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

        public init(json: JSON) throws(JSONReadError) {
            let object = try JSONObject(json)
            activeEnabled = try object.value("active_enabled", default: activeEnabled)
            path = try object.value("path", default: path)
            intervalSeconds = try object.value("interval_seconds", default: intervalSeconds)
            timeoutSeconds = try object.value("timeout_seconds", default: timeoutSeconds)
            expectStatus = try object.value("expect_status", default: expectStatus)
            passiveEnabled = try object.value("passive_enabled", default: passiveEnabled)
            failDurationSeconds = try object.value("fail_duration_seconds", default: failDurationSeconds)
            maxFails = try object.value("max_fails", default: maxFails)
            unhealthyLatencyMs = try object.value("unhealthy_latency_ms", default: unhealthyLatencyMs)
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

    public init(json: JSON) throws(JSONReadError) {
        let object = try JSONObject(json)
        id = try object.required("id")
        enabled = try object.value("enabled", default: true)
        domainNames = try object.required("domain_names")
        forwardScheme = try object.value("forward_scheme", default: "http")
        forwardHost = try object.required("forward_host")
        forwardPort = try object.required("forward_port")
        forwardWeight = try object.value("forward_weight", default: 1)
        upstreams = try object.value("upstreams", default: [])
        loadBalancing = try object.value("load_balancing", default: "round_robin")
        allowWebsocketUpgrade = try object.value("allow_websocket_upgrade", default: true)
        blockExploits = try object.value("block_exploits", default: false)
        accessLog = try object.value("access_log", default: false)
        cachingEnabled = try object.value("caching_enabled", default: false)
        tlsPassthrough = try object.value("tls_passthrough", default: false)
        certificateId = try object.optional("certificate_id")
        sslForced = try object.value("ssl_forced", default: false)
        hstsEnabled = try object.value("hsts_enabled", default: false)
        hstsSubdomains = try object.value("hsts_subdomains", default: false)
        http2Support = try object.value("http2_support", default: true)
        http3Support = try object.value("http3_support", default: true)
        locations = try object.value("locations", default: [])
        healthCheck = try object.value("health_check", default: HealthCheck())
        accessListId = try object.optional("access_list_id")
        rateLimit = try object.optional("rate_limit")
        errorPages = try object.value("error_pages", default: [:])
        headers = try object.value("headers", default: [])
        advancedConfig = try object.optional("advanced_config").map { (config: JSON) in config.canonical() }
        allowReservedUpstream = try object.value("allow_reserved_upstream", default: false)
    }
}
