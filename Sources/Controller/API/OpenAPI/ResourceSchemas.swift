import JSONCore

/// The input schemas of the resources (what a client sends on create; update takes any subset).
enum ResourceSchemas {
    static let domains: JSON = [
        "type": "array", "items": Schema.domain(wildcard: true), "minItems": 1, "maxItems": 100, "uniqueItems": true,
    ]
    static let host = Schema.host
    /// A URL path prefix.
    static let pathPrefix = Schema.string(
        "A path prefix such as /api", maxLength: 1024, pattern: #"^/[A-Za-z0-9\-._~!$&'()+,;=:@%/]*$"#)
    /// An upstream's share with `weighted_round_robin`.
    static let weight = Schema.integer("Share of requests with weighted_round_robin", minimum: 1, maximum: 100)
    /// Header rules, applied in order.
    static let headerRules = Schema.array(
        Schema.object(
            [
                "direction": Schema.string(values: ["request", "response"]), "action": Schema.string(values: ["set", "add", "delete"]),
                "name": Schema.string(maxLength: 256, pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"),
                "value": Schema.string(
                    "Placeholders allowed: {remote_host} {scheme} {host} {method} {uri}", maxLength: 4096,
                    pattern: #"^([^\x00-\x08\x0A-\x1F\x7F{}]|\{(remote_host|scheme|host|method|uri)\})*$"#),
            ],
            required: ["direction", "action", "name"]), maxItems: 100)
    static let advancedConfig: JSON = [
        "type": ["array", "null"], "items": ["type": "object"], "description": "Raw Caddy route objects (admins only)",
    ]
    static let common: [String: JSON] = [
        "enabled": Schema.boolean,
        "server_id": Schema.integer("The server the resource is assigned to (the local server when omitted)", minimum: 1),
    ]

    static let proxyHost = Schema.object(
        common.merging([
            "domain_names": domains, "forward_scheme": Schema.string(values: ["http", "https"]), "forward_host": host, "forward_port": Schema.port,
            "forward_weight": weight,
            "upstreams": Schema.array(
                Schema.object(["host": host, "port": Schema.port, "weight": weight], required: ["host", "port"]), maxItems: 100),
            "load_balancing": Schema.string(values: ProxyHostKind.policies),
            "allow_websocket_upgrade": Schema.boolean, "block_exploits": Schema.boolean, "caching_enabled": Schema.boolean,
            "access_log": Schema.boolean,
            "tls_passthrough": Schema.boolean, "certificate_id": Schema.nullableInteger("A certificate's id"), "ssl_forced": Schema.boolean,
            "hsts_enabled": Schema.boolean, "hsts_subdomains": Schema.boolean, "http2_support": Schema.boolean, "http3_support": Schema.boolean,
            "locations": Schema.array(
                Schema.object(
                    [
                        "path": pathPrefix, "forward_scheme": Schema.string(values: ["http", "https"]),
                        "forward_host": host, "forward_port": Schema.port, "forward_path": pathPrefix, "headers": headerRules,
                        "advanced_config": advancedConfig,
                    ], required: ["path", "forward_scheme", "forward_host", "forward_port"]), maxItems: 100),
            "health_check": Schema.object([
                "active_enabled": Schema.boolean, "path": pathPrefix, "interval_seconds": Schema.integer(minimum: 1, maximum: 3600),
                "timeout_seconds": Schema.integer(minimum: 1, maximum: 600), "expect_status": Schema.integer(minimum: 100, maximum: 599),
                "passive_enabled": Schema.boolean, "fail_duration_seconds": Schema.integer(minimum: 1, maximum: 86400),
                "max_fails": Schema.integer(minimum: 1, maximum: 1000), "unhealthy_latency_ms": Schema.integer(minimum: 0, maximum: 600_000),
            ]),
            "access_list_id": Schema.nullableInteger("An access list's id"),
            "rate_limit": [
                "type": ["object", "null"],
                "properties": [
                    "requests": Schema.integer(minimum: 1, maximum: 1_000_000), "window_seconds": Schema.integer(minimum: 1, maximum: 86400),
                ],
                "required": ["requests", "window_seconds"], "additionalProperties": false,
            ],
            "error_pages": Schema.object(["404": Schema.string(), "502": Schema.string(), "503": Schema.string()]),
            "headers": headerRules,
            "advanced_config": advancedConfig,
            "allow_reserved_upstream": Schema.boolean,
        ]) { $1 }, required: ["domain_names", "forward_host", "forward_port"]
    ).merging([
        // TLS passthrough hands the connection over untouched: no certificate, Force HTTPS, access
        // list or rate limit with it, and exact names only.
        "not": [
            "properties": ["tls_passthrough": ["const": true]], "required": ["tls_passthrough"],
            "anyOf": [
                ["properties": ["certificate_id": ["type": "integer"]], "required": ["certificate_id"]],
                ["properties": ["ssl_forced": ["const": true]], "required": ["ssl_forced"]],
                ["properties": ["access_list_id": ["type": "integer"]], "required": ["access_list_id"]],
                ["properties": ["rate_limit": ["type": "object"]], "required": ["rate_limit"]],
                ["properties": ["domain_names": ["contains": ["type": "string", "pattern": "^\\*"]]], "required": ["domain_names"]],
            ],
        ]
    ]) { $1 }

    static let redirectionHost = Schema.object(
        common.merging([
            "domain_names": domains, "forward_scheme": Schema.string(values: ["auto", "http", "https"]),
            "forward_domain_name": Schema.domain(wildcard: false),
            "forward_http_code": ["type": "integer", "enum": .array(HostKinds.redirectCodes.map(JSON.int))], "preserve_path": Schema.boolean,
            "certificate_id": Schema.nullableInteger("A certificate's id"), "ssl_forced": Schema.boolean,
        ]) { $1 }, required: ["domain_names", "forward_domain_name"])

    static let deadHost = Schema.object(
        common.merging([
            "domain_names": domains, "certificate_id": Schema.nullableInteger("A certificate's id"), "ssl_forced": Schema.boolean,
            "access_list_id": Schema.nullableInteger("An access list's id"),
        ]) { $1 }, required: ["domain_names"])

    static let streamHost = Schema.object(
        common.merging([
            "incoming_port": Schema.port, "forwarding_host": host, "forwarding_port": Schema.port, "tcp_forwarding": Schema.boolean,
            "udp_forwarding": Schema.boolean,
            "sni_names": ["type": "array", "items": Schema.domain(wildcard: true), "maxItems": 100, "uniqueItems": true],
        ]) { $1 }, required: ["incoming_port", "forwarding_host", "forwarding_port"]
    ).merging([
        // TCP, UDP or both: never neither.
        "not": ["properties": ["tcp_forwarding": ["const": false], "udp_forwarding": ["enum": [false, .null]]], "required": ["tcp_forwarding"]]
    ]) { $1 }

    static let portForward = Schema.object(
        common.merging([
            "protocol": Schema.string(values: ["tcp", "udp", "tcp+udp"]), "incoming_port": Schema.port,
            "forward_host": Schema.string("An IPv4 address", format: "ipv4"),
            "forward_port": Schema.port, "interface": Schema.string("Empty for all interfaces", maxLength: 15, pattern: "^[A-Za-z0-9._-]{0,15}$"),
            "method": Schema.string(values: ["iptables", "socat"]),
        ]) { $1 }, required: ["incoming_port", "forward_host", "forward_port"])

    static let accessList = Schema.object(
        common.merging([
            "name": Schema.text(), "satisfy_any": Schema.boolean, "pass_auth": Schema.boolean,
            "clients": Schema.array(
                Schema.object(
                    [
                        "address": Schema.string("An address or CIDR", maxLength: 50, pattern: "^[0-9a-fA-F:.]+(/[0-9]{1,3})?$"),
                        "directive": Schema.string(values: ["allow", "deny"]),
                    ],
                    required: ["address", "directive"]), maxItems: 1000),
            "items": users(passwordRequired: true),
        ]) { $1 }, required: ["name"])

    /// On update, a user's password may be left out to keep it.
    static let accessListUpdate: JSON = {
        var schema = accessList
        schema["properties"]?["items"] = Schema.nullable(users(passwordRequired: false))
        schema["required"] = nil
        return schema
    }()

    static func users(passwordRequired: Bool) -> JSON {
        Schema.array(
            Schema.object(
                [
                    "username": Schema.string(
                        maxLength: 128, pattern: #"^[^\x00-\x1F\x7F{}:]*[^\x00-\x20\x7F{}:][^\x00-\x1F\x7F{}:]*$"#, minLength: 1),
                    "password": Schema.string("Required for a new user; kept when omitted on update", maxLength: 72, minLength: 1),
                ],
                required: passwordRequired ? ["username", "password"] : ["username"]), maxItems: 1000)
    }

    static let certificate = Schema.object(
        common.merging([
            "provider": Schema.string(values: ["letsencrypt", "other"]), "nice_name": Schema.text(), "domain_names": domains,
            "certificate": Schema.string("PEM certificate and chain (custom)"),
            "certificate_key": Schema.string("PEM private key (custom; never returned)"),
            "awaiting_upload": Schema.boolean,
            "renew_with_acme": Schema.boolean,
        ]) { $1 })

    /// (path, tag, input schema) for every resource kind.
    static let all: [(path: String, tag: String, input: JSON)] = [
        (ProxyHostKind.path, "Proxy hosts", proxyHost), (RedirectionHostKind.path, "Redirection hosts", redirectionHost),
        (DeadHostKind.path, "Dead hosts", deadHost), (StreamHostKind.path, "Stream hosts", streamHost),
        (PortForwardKind.path, "Port forwards", portForward), (AccessListKind.path, "Access lists", accessList),
        (CertificateKind.path, "Certificates", certificate),
    ]
}
