/// A proxy host (SPEC §3.1): domain names forwarded to one or more upstreams.
public struct ProxyHost: Decodable, Sendable {
    public var id: Int
    public var enabled: Bool
    public var domainNames: [String]
    public var forwardScheme: String
    public var forwardHost: String
    public var forwardPort: Int
    /// Extra backends beside forward_host:forward_port.
    public var upstreams: [Upstream]
    /// round_robin, random, least_conn, ip_hash, uri_hash, first.
    public var loadBalancing: String
    public var allowWebsocketUpgrade: Bool
    public var blockExploits: Bool
    public var cachingEnabled: Bool
    public var tlsPassthrough: Bool
    public var certificateId: Int?
    public var sslForced: Bool
    public var hstsEnabled: Bool
    public var hstsSubdomains: Bool
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

    public struct Upstream: Decodable, Sendable {
        public var host: String
        public var port: Int
    }

    public struct Location: Decodable, Sendable {
        public var path: String
        public var forwardScheme: String
        public var forwardHost: String
        public var forwardPort: Int

        enum CodingKeys: String, CodingKey {
            case path
            case forwardScheme = "forward_scheme"
            case forwardHost = "forward_host"
            case forwardPort = "forward_port"
        }
    }

    public struct HealthCheck: Decodable, Sendable {
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

        enum CodingKeys: String, CodingKey {
            case activeEnabled = "active_enabled"
            case path
            case intervalSeconds = "interval_seconds"
            case timeoutSeconds = "timeout_seconds"
            case expectStatus = "expect_status"
            case passiveEnabled = "passive_enabled"
            case failDurationSeconds = "fail_duration_seconds"
            case maxFails = "max_fails"
            case unhealthyLatencyMs = "unhealthy_latency_ms"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            activeEnabled = try c.value(.activeEnabled, default: activeEnabled)
            path = try c.value(.path, default: path)
            intervalSeconds = try c.value(.intervalSeconds, default: intervalSeconds)
            timeoutSeconds = try c.value(.timeoutSeconds, default: timeoutSeconds)
            expectStatus = try c.value(.expectStatus, default: expectStatus)
            passiveEnabled = try c.value(.passiveEnabled, default: passiveEnabled)
            failDurationSeconds = try c.value(.failDurationSeconds, default: failDurationSeconds)
            maxFails = try c.value(.maxFails, default: maxFails)
            unhealthyLatencyMs = try c.value(.unhealthyLatencyMs, default: unhealthyLatencyMs)
        }
    }

    public struct RateLimit: Decodable, Sendable {
        public var requests: Int
        public var windowSeconds: Int

        enum CodingKeys: String, CodingKey {
            case requests
            case windowSeconds = "window_seconds"
        }
    }

    public struct HeaderRule: Decodable, Sendable {
        /// request | response
        public var direction: String
        /// set | add | delete
        public var action: String
        public var name: String
        public var value: String

        enum CodingKeys: String, CodingKey {
            case direction
            case action
            case name
            case value
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            direction = try c.decode(String.self, forKey: .direction)
            action = try c.decode(String.self, forKey: .action)
            name = try c.decode(String.self, forKey: .name)
            value = try c.value(.value, default: "")
        }
    }

    enum CodingKeys: String, CodingKey {
        case id
        case enabled
        case domainNames = "domain_names"
        case forwardScheme = "forward_scheme"
        case forwardHost = "forward_host"
        case forwardPort = "forward_port"
        case upstreams
        case loadBalancing = "load_balancing"
        case allowWebsocketUpgrade = "allow_websocket_upgrade"
        case blockExploits = "block_exploits"
        case cachingEnabled = "caching_enabled"
        case tlsPassthrough = "tls_passthrough"
        case certificateId = "certificate_id"
        case sslForced = "ssl_forced"
        case hstsEnabled = "hsts_enabled"
        case hstsSubdomains = "hsts_subdomains"
        case locations
        case healthCheck = "health_check"
        case accessListId = "access_list_id"
        case rateLimit = "rate_limit"
        case errorPages = "error_pages"
        case headers
        case advancedConfig = "advanced_config"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int.self, forKey: .id)
        enabled = try c.value(.enabled, default: true)
        domainNames = try c.decode([String].self, forKey: .domainNames)
        forwardScheme = try c.value(.forwardScheme, default: "http")
        forwardHost = try c.decode(String.self, forKey: .forwardHost)
        forwardPort = try c.decode(Int.self, forKey: .forwardPort)
        upstreams = try c.value(.upstreams, default: [])
        loadBalancing = try c.value(.loadBalancing, default: "round_robin")
        allowWebsocketUpgrade = try c.value(.allowWebsocketUpgrade, default: true)
        blockExploits = try c.value(.blockExploits, default: false)
        cachingEnabled = try c.value(.cachingEnabled, default: false)
        tlsPassthrough = try c.value(.tlsPassthrough, default: false)
        certificateId = try c.decodeIfPresent(Int.self, forKey: .certificateId)
        sslForced = try c.value(.sslForced, default: false)
        hstsEnabled = try c.value(.hstsEnabled, default: false)
        hstsSubdomains = try c.value(.hstsSubdomains, default: false)
        locations = try c.value(.locations, default: [])
        healthCheck = try c.value(.healthCheck, default: HealthCheck())
        accessListId = try c.decodeIfPresent(Int.self, forKey: .accessListId)
        rateLimit = try c.decodeIfPresent(RateLimit.self, forKey: .rateLimit)
        errorPages = try c.value(.errorPages, default: [:])
        headers = try c.value(.headers, default: [])
        advancedConfig = try c.decodeIfPresent(JSON.self, forKey: .advancedConfig)
    }
}
