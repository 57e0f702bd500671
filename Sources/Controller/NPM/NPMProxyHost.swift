import JSONCore

/// NPM's proxy host over ``ProxyHostKind``. NPM's `trust_forwarded_proto` (take the scheme for
/// the HTTPS redirect from `X-Forwarded-Proto`) has no counterpart yet, so only `false` is taken.
enum NPMProxyHost: NPMShape {
    typealias Kind = ProxyHostKind
    static let path = "proxy-hosts"

    static let members: [String: NPMMember] = [
        "domain_names": .same, "forward_scheme": .same, "forward_host": .same, "forward_port": .same,
        "certificate_id": .reference("certificate_id"), "access_list_id": .reference("access_list_id"),
        "ssl_forced": .flag("ssl_forced"), "hsts_enabled": .flag("hsts_enabled"), "hsts_subdomains": .flag("hsts_subdomains"),
        "http2_support": .flag("http2_support"), "block_exploits": .flag("block_exploits"), "caching_enabled": .flag("caching_enabled"),
        "allow_websocket_upgrade": .flag("allow_websocket_upgrade"), "advanced_config": .noAdvancedConfig,
        "trust_forwarded_proto": .onlyOff(
            reason:
                "is not supported: PosternProxy decides the HTTPS redirect from the connection itself; behind another proxy, terminate TLS here or leave ssl_forced off"
        ),
        "locations": .translated(locations),
    ]

    static func shown(_ host: JSON, expand: Set<String>) -> JSON {
        .object(
            NPMShapes.common(host)
                + NPMShapes.copied(host, ["domain_names", "forward_scheme", "forward_host", "forward_port"])
                + [
                    ("access_list_id", NPMValues.shownReference(host["access_list_id"])),
                    ("certificate_id", NPMValues.shownReference(host["certificate_id"])),
                ]
                + NPMShapes.copied(
                    host,
                    [
                        "ssl_forced", "caching_enabled", "block_exploits", "allow_websocket_upgrade", "http2_support", "hsts_enabled",
                        "hsts_subdomains",
                    ])
                + [
                    ("advanced_config", ""), ("trust_forwarded_proto", false),
                    ("locations", .array((host["locations"]?.arrayValue ?? []).map(shownLocation))),
                ])
    }

    /// NPM's custom locations: `path`, `forward_scheme`, `forward_host`, `forward_port`,
    /// `forward_path` (the path on the upstream that replaces the location's), and
    /// `advanced_config` only when empty; NPM's own `id` of a location is dropped.
    @Sendable static func locations(_ value: JSON) throws(ValidationFailure) -> [(String, JSON)] {
        let allowed: Set<String> = ["id", "path", "forward_scheme", "forward_host", "forward_port", "forward_path", "advanced_config"]
        var ours: [JSON] = []
        for (field, members) in try NPMValues.objects(value, field: "locations", allowed: allowed, what: "an NPM location") {
            var location: [(String, JSON)] = []
            for (name, value) in members {
                switch name {
                case "id": break
                case "advanced_config": try NPMValues.noAdvancedConfig(value, field: "\(field).advanced_config")
                default: location.append((name, value))
                }
            }
            ours.append(.object(location))
        }
        return [("locations", .array(ours))]
    }

    private static func shownLocation(_ location: JSON) -> JSON {
        .object(
            NPMShapes.copied(location, ["path", "forward_scheme", "forward_host", "forward_port"])
                + [("forward_path", location["forward_path"] ?? ""), ("advanced_config", "")])
    }
}
