import Foundation
import JSONCore

/// Proxy hosts.
enum ProxyHostKind: ResourceKind {
    static let type = "proxy_host"
    static let path = "proxy-hosts"
    static let stateKey = "proxy_hosts"
    static let fields: Set<String> = Set(Payload.CodingKeys.allCases.map(\.rawValue))

    /// An upstream beside the forward host; `weight` (1-100) counts with `weighted_round_robin`.
    struct Upstream: Codable, Sendable, Equatable {
        var host: String
        var port: Int
        var weight: Int = 1

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            host = try c.decode(String.self, forKey: .host)
            port = try c.decode(Int.self, forKey: .port)
            weight = try c.decodeIfPresent(Int.self, forKey: .weight) ?? 1
        }
    }

    /// Requests whose path starts with `path` go to their own upstream, with their own header
    /// rules and (admins only) Caddy routes placed before the proxy, as an NPM custom location.
    struct Location: Codable, Sendable {
        var path: String
        var forward_scheme: String
        var forward_host: String
        var forward_port: Int
        /// The path on the upstream that replaces the location's own (`/app/x` → `/new/x`, as
        /// nginx's `proxy_pass` with a path); none keeps the request's path.
        var forward_path: String?
        var headers: [HeaderRule] = []
        var advanced_config: [JSON]?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            path = try c.decode(String.self, forKey: .path)
            forward_scheme = try c.decode(String.self, forKey: .forward_scheme)
            forward_host = try c.decode(String.self, forKey: .forward_host)
            forward_port = try c.decode(Int.self, forKey: .forward_port)
            forward_path = try c.decodeIfPresent(String.self, forKey: .forward_path)
            headers = try c.decodeIfPresent([HeaderRule].self, forKey: .headers) ?? []
            advanced_config = try c.decodeIfPresent([JSON].self, forKey: .advanced_config)
        }
    }

    struct HealthCheck: Codable, Sendable {
        var active_enabled: Bool = false
        var path: String = "/"
        var interval_seconds: Int = 30
        var timeout_seconds: Int = 5
        var expect_status: Int = 200
        var passive_enabled: Bool = false
        var fail_duration_seconds: Int = 30
        var max_fails: Int = 3
        var unhealthy_latency_ms: Int = 0

        init() {}

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = HealthCheck()
            active_enabled = try c.decodeIfPresent(Bool.self, forKey: .active_enabled) ?? d.active_enabled
            path = try c.decodeIfPresent(String.self, forKey: .path) ?? d.path
            interval_seconds = try c.decodeIfPresent(Int.self, forKey: .interval_seconds) ?? d.interval_seconds
            timeout_seconds = try c.decodeIfPresent(Int.self, forKey: .timeout_seconds) ?? d.timeout_seconds
            expect_status = try c.decodeIfPresent(Int.self, forKey: .expect_status) ?? d.expect_status
            passive_enabled = try c.decodeIfPresent(Bool.self, forKey: .passive_enabled) ?? d.passive_enabled
            fail_duration_seconds = try c.decodeIfPresent(Int.self, forKey: .fail_duration_seconds) ?? d.fail_duration_seconds
            max_fails = try c.decodeIfPresent(Int.self, forKey: .max_fails) ?? d.max_fails
            unhealthy_latency_ms = try c.decodeIfPresent(Int.self, forKey: .unhealthy_latency_ms) ?? d.unhealthy_latency_ms
        }
    }

    struct RateLimit: Codable, Sendable {
        var requests: Int
        var window_seconds: Int
    }

    struct HeaderRule: Codable, Sendable {
        var direction: String
        var action: String
        var name: String
        var value: String = ""

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            direction = try c.decode(String.self, forKey: .direction)
            action = try c.decode(String.self, forKey: .action)
            name = try c.decode(String.self, forKey: .name)
            value = try c.decodeIfPresent(String.self, forKey: .value) ?? ""
        }
    }

    struct Payload: Codable, Sendable {
        var domain_names: [String]
        var forward_scheme: String = "http"
        var forward_host: String
        var forward_port: Int
        /// The forward host's weight with `weighted_round_robin` (1-100).
        var forward_weight: Int = 1
        var upstreams: [Upstream] = []
        var load_balancing: String = "round_robin"
        var allow_websocket_upgrade: Bool = true
        var block_exploits: Bool = false
        var caching_enabled: Bool = false
        /// Caddy keeps a JSON access log of the host's requests on its server.
        var access_log: Bool = false
        var tls_passthrough: Bool = false
        var certificate_id: Int64?
        var ssl_forced: Bool = false
        var hsts_enabled: Bool = false
        var hsts_subdomains: Bool = false
        /// Over HTTPS, clients may speak HTTP/2 (off: HTTP/1.1 only) and are offered HTTP/3.
        var http2_support: Bool = true
        var http3_support: Bool = true
        var locations: [Location] = []
        var health_check = HealthCheck()
        var access_list_id: Int64?
        var rate_limit: RateLimit?
        var error_pages: [String: String] = [:]
        var headers: [HeaderRule] = []
        var advanced_config: [JSON]?
        var allow_reserved_upstream: Bool = false

        enum CodingKeys: String, CodingKey, CaseIterable {
            case domain_names, forward_scheme, forward_host, forward_port, forward_weight, upstreams, load_balancing, allow_websocket_upgrade
            case block_exploits, caching_enabled, access_log, tls_passthrough, certificate_id, ssl_forced, hsts_enabled, hsts_subdomains,
                http2_support
            case http3_support
            case locations, health_check, access_list_id, rate_limit, error_pages, headers, advanced_config, allow_reserved_upstream
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            domain_names = try c.decode([String].self, forKey: .domain_names)
            forward_scheme = try c.decodeIfPresent(String.self, forKey: .forward_scheme) ?? "http"
            forward_host = try c.decode(String.self, forKey: .forward_host)
            forward_port = try c.decode(Int.self, forKey: .forward_port)
            forward_weight = try c.decodeIfPresent(Int.self, forKey: .forward_weight) ?? 1
            upstreams = try c.decodeIfPresent([Upstream].self, forKey: .upstreams) ?? []
            load_balancing = try c.decodeIfPresent(String.self, forKey: .load_balancing) ?? "round_robin"
            allow_websocket_upgrade = try c.decodeIfPresent(Bool.self, forKey: .allow_websocket_upgrade) ?? true
            block_exploits = try c.decodeIfPresent(Bool.self, forKey: .block_exploits) ?? false
            caching_enabled = try c.decodeIfPresent(Bool.self, forKey: .caching_enabled) ?? false
            access_log = try c.decodeIfPresent(Bool.self, forKey: .access_log) ?? false
            tls_passthrough = try c.decodeIfPresent(Bool.self, forKey: .tls_passthrough) ?? false
            certificate_id = try c.decodeIfPresent(Int64.self, forKey: .certificate_id)
            ssl_forced = try c.decodeIfPresent(Bool.self, forKey: .ssl_forced) ?? false
            hsts_enabled = try c.decodeIfPresent(Bool.self, forKey: .hsts_enabled) ?? false
            hsts_subdomains = try c.decodeIfPresent(Bool.self, forKey: .hsts_subdomains) ?? false
            http2_support = try c.decodeIfPresent(Bool.self, forKey: .http2_support) ?? true
            http3_support = try c.decodeIfPresent(Bool.self, forKey: .http3_support) ?? true
            locations = try c.decodeIfPresent([Location].self, forKey: .locations) ?? []
            health_check = try c.decodeIfPresent(HealthCheck.self, forKey: .health_check) ?? HealthCheck()
            access_list_id = try c.decodeIfPresent(Int64.self, forKey: .access_list_id)
            rate_limit = try c.decodeIfPresent(RateLimit.self, forKey: .rate_limit)
            error_pages = (try c.decodeIfPresent([String: String?].self, forKey: .error_pages) ?? [:]).compactMapValues { $0 }
            headers = try c.decodeIfPresent([HeaderRule].self, forKey: .headers) ?? []
            advanced_config = try c.decodeIfPresent([JSON].self, forKey: .advanced_config)
            allow_reserved_upstream = try c.decodeIfPresent(Bool.self, forKey: .allow_reserved_upstream) ?? false
        }
    }

    static let policies = ["round_robin", "weighted_round_robin", "random", "least_conn", "ip_hash", "uri_hash", "first"]

    /// Waits only to resolve an upstream named by a host name.
    static func prepareMayWait(_ input: Payload, context: ValidationContext) -> Bool {
        !upstreamHosts(input).allSatisfy { context.addresses.judgesAtOnce($0.host) }
    }

    static func prepare(_ input: Payload, previous: Payload?, context: ValidationContext) throws -> Payload {
        var p = input
        p.domain_names = try FieldRules.domainNames(p.domain_names, field: "domain_names")
        p.forward_scheme = try FieldRules.oneOf(p.forward_scheme, ["http", "https"], field: "forward_scheme")
        p.forward_host = try FieldRules.host(p.forward_host, field: "forward_host")
        p.forward_port = try FieldRules.port(p.forward_port, field: "forward_port")
        try UpstreamPolicy.check(
            host: p.forward_host, port: p.forward_port, field: "forward_host", allowReserved: p.allow_reserved_upstream, context: context)
        try weight(p.forward_weight, field: "forward_weight")
        guard p.upstreams.count <= 100 else { throw ValidationFailure("upstreams", "lists more than 100 upstreams") }
        for index in p.upstreams.indices {
            p.upstreams[index].host = try FieldRules.host(p.upstreams[index].host, field: "upstreams[\(index)].host")
            p.upstreams[index].port = try FieldRules.port(p.upstreams[index].port, field: "upstreams[\(index)].port")
            try weight(p.upstreams[index].weight, field: "upstreams[\(index)].weight")
            try UpstreamPolicy.check(
                host: p.upstreams[index].host, port: p.upstreams[index].port, field: "upstreams[\(index)].host",
                allowReserved: p.allow_reserved_upstream, context: context)
        }
        p.load_balancing = try FieldRules.oneOf(p.load_balancing, policies, field: "load_balancing")
        guard p.locations.count <= 100 else { throw ValidationFailure("locations", "lists more than 100 locations") }
        for index in p.locations.indices {
            let field = "locations[\(index)]"
            p.locations[index].path = try FieldRules.pathPrefix(p.locations[index].path, field: "\(field).path")
            p.locations[index].forward_scheme = try FieldRules.oneOf(
                p.locations[index].forward_scheme, ["http", "https"], field: "\(field).forward_scheme")
            p.locations[index].forward_host = try FieldRules.host(p.locations[index].forward_host, field: "\(field).forward_host")
            p.locations[index].forward_port = try FieldRules.port(p.locations[index].forward_port, field: "\(field).forward_port")
            p.locations[index].forward_path = try p.locations[index].forward_path.flatMap { path throws(ValidationFailure) in
                path.isEmpty ? nil : try FieldRules.pathPrefix(path, field: "\(field).forward_path")
            }
            try UpstreamPolicy.check(
                host: p.locations[index].forward_host, port: p.locations[index].forward_port, field: "\(field).forward_host",
                allowReserved: p.allow_reserved_upstream, context: context)
            p.locations[index].headers = try headerRules(p.locations[index].headers, field: "\(field).headers")
            p.locations[index].advanced_config = try advancedConfig(
                p.locations[index].advanced_config, field: "\(field).advanced_config", context: context)
        }
        let check = p.health_check
        p.health_check.path = try FieldRules.pathPrefix(check.path, field: "health_check.path")
        guard (1...3600).contains(check.interval_seconds) else { throw ValidationFailure("health_check.interval_seconds", "must be 1-3600") }
        guard (1...600).contains(check.timeout_seconds) else { throw ValidationFailure("health_check.timeout_seconds", "must be 1-600") }
        guard (100...599).contains(check.expect_status) else {
            throw ValidationFailure("health_check.expect_status", "must be an HTTP status, 100-599")
        }
        guard (1...86400).contains(check.fail_duration_seconds) else {
            throw ValidationFailure("health_check.fail_duration_seconds", "must be 1-86400")
        }
        guard (1...1000).contains(check.max_fails) else { throw ValidationFailure("health_check.max_fails", "must be 1-1000") }
        guard (0...600_000).contains(check.unhealthy_latency_ms) else {
            throw ValidationFailure("health_check.unhealthy_latency_ms", "must be 0 (off) to 600000")
        }
        if let limit = p.rate_limit {
            guard (1...1_000_000).contains(limit.requests) else { throw ValidationFailure("rate_limit.requests", "must be 1-1000000") }
            guard (1...86400).contains(limit.window_seconds) else { throw ValidationFailure("rate_limit.window_seconds", "must be 1-86400") }
        }
        for (code, html) in p.error_pages {
            guard ["404", "502", "503"].contains(code) else {
                throw ValidationFailure("error_pages.\(FieldRules.printable(code))", "only 404, 502 and 503 have custom pages")
            }
            guard html.utf8.count <= 256 << 10 else { throw ValidationFailure("error_pages.\(code)", "is larger than 256 KiB") }
            guard !html.unicodeScalars.contains("\0") else { throw ValidationFailure("error_pages.\(code)", "must not contain NUL") }
        }
        p.headers = try headerRules(p.headers, field: "headers")
        p.advanced_config = try advancedConfig(p.advanced_config, field: "advanced_config", context: context)
        if p.tls_passthrough && (p.certificate_id != nil || p.ssl_forced || p.access_list_id != nil || p.rate_limit != nil) {
            throw ValidationFailure(
                "tls_passthrough", "passes TLS through untouched: certificates, Force HTTPS, access lists and rate limits do not apply")
        }
        if p.tls_passthrough, p.domain_names.contains(where: { $0.hasPrefix("*") }) {
            throw ValidationFailure("domain_names", "TLS passthrough matches exact server names")
        }
        return p
    }

    /// A weight for `weighted_round_robin`: 1-100.
    private static func weight(_ value: Int, field: String) throws(ValidationFailure) {
        guard (1...100).contains(value) else { throw ValidationFailure(field, "must be 1-100") }
    }

    /// Header rules (at most 100): request or response; set, add or delete; a valid name; a value
    /// with only the allowed placeholders.
    private static func headerRules(_ input: [HeaderRule], field: String) throws(ValidationFailure) -> [HeaderRule] {
        guard input.count <= 100 else { throw ValidationFailure(field, "lists more than 100 rules") }
        var rules = input
        for index in rules.indices {
            let field = "\(field)[\(index)]"
            rules[index].direction = try FieldRules.oneOf(rules[index].direction, ["request", "response"], field: "\(field).direction")
            rules[index].action = try FieldRules.oneOf(rules[index].action, ["set", "add", "delete"], field: "\(field).action")
            rules[index].name = try FieldRules.headerName(rules[index].name, field: "\(field).name")
            rules[index].value = try FieldRules.headerValue(rules[index].value, field: "\(field).value")
        }
        return rules
    }

    /// Raw Caddy routes: admins only, objects only, and within the advanced-config rules unless
    /// the controller allows any.
    private static func advancedConfig(_ advanced: [JSON]?, field: String, context: ValidationContext) throws(ValidationFailure) -> [JSON]? {
        guard let advanced, !advanced.isEmpty else { return advanced }
        guard context.isAdmin else { throw ValidationFailure(field, "only admins may set advanced configuration") }
        guard advanced.allSatisfy({ if case .object = $0 { true } else { false } }) else {
            throw ValidationFailure(field, "must be a list of Caddy route objects")
        }
        if !context.unrestrictedAdvancedConfig { try AdvancedConfigRules.check(advanced, field: field) }
        return advanced
    }

    static func claims(_ payload: Payload) -> [String] { payload.domain_names.map { "domain:\($0)" } }

    static func requiredModules(_ payload: Payload) -> [(module: String, field: String, why: String)] {
        (payload.rate_limit == nil ? [] : [("http.handlers.rate_limit", "rate_limit", "to limit the request rate")])
            + (payload.tls_passthrough ? [("caddy.listeners.layer4", "tls_passthrough", "to pass TLS through by SNI on port 443")] : [])
    }

    static func references(_ payload: Payload) -> [(type: String, id: Int64, field: String)] {
        [payload.certificate_id.map { ("certificate", $0, "certificate_id") }, payload.access_list_id.map { ("access_list", $0, "access_list_id") }]
            .compactMap { $0 }
    }

    static func upstreamHosts(_ payload: Payload) -> [(host: String, field: String)] {
        [(payload.forward_host, "forward_host")] + payload.upstreams.enumerated().map { ($1.host, "upstreams[\($0)].host") }
            + payload.locations.enumerated().map { ($1.forward_host, "locations[\($0)].forward_host") }
    }

    static func searchText(_ payload: Payload) -> String {
        (payload.domain_names + [payload.forward_host]).joined(separator: " ").lowercased()
    }
}
