import JSONCore

/// What NPM's redirection and dead hosts may ask that PosternProxy does not do for them: HSTS
/// and exploit blocking (taken only when off), and HTTP/2 turned off with a certificate.
private enum NPMUnsupported {
    static let hsts = "HSTS is sent by proxy hosts only in PosternProxy: leave it off here"
    static let blockExploits = "exploit blocking applies to proxy hosts only in PosternProxy: leave it off here"

    /// `http2_support` is a flag; its meaning is checked with the certificate (``checkHTTP2(_:)``).
    @Sendable static func http2(_ value: JSON) throws(ValidationFailure) -> [(String, JSON)] {
        _ = try NPMValues.flag(value, field: "http2_support")
        return []
    }

    /// Caddy offers HTTP/2 over HTTPS to these hosts and only a proxy host can be held to
    /// HTTP/1.1: `http2_support: false` is taken for a host without a certificate (plain HTTP
    /// is HTTP/1.1 anyway), refused for one with a certificate.
    static func checkHTTP2(_ npm: JSON) throws(ValidationFailure) {
        guard let value = npm["http2_support"], try !NPMValues.flag(value, field: "http2_support"),
            case .int(let certificate)? = npm["certificate_id"], certificate > 0
        else { return }
        throw ValidationFailure("http2_support", "HTTP/2 can be turned off for proxy hosts only in PosternProxy: send true with a certificate")
    }
}

/// NPM's redirection host over ``RedirectionHostKind``.
enum NPMRedirectionHost: NPMShape {
    typealias Kind = RedirectionHostKind
    static let path = "redirection-hosts"

    static let members: [String: NPMMember] = [
        "domain_names": .same, "forward_http_code": .same, "forward_scheme": .same, "forward_domain_name": .same,
        "preserve_path": .flag("preserve_path"), "certificate_id": .reference("certificate_id"), "ssl_forced": .flag("ssl_forced"),
        "hsts_enabled": .onlyOff(reason: NPMUnsupported.hsts), "hsts_subdomains": .onlyOff(reason: NPMUnsupported.hsts),
        "block_exploits": .onlyOff(reason: NPMUnsupported.blockExploits), "http2_support": .translated(NPMUnsupported.http2),
        "advanced_config": .noAdvancedConfig,
    ]

    static func check(_ npm: JSON) throws(ValidationFailure) { try NPMUnsupported.checkHTTP2(npm) }

    static func shown(_ host: JSON, expand: Set<String>) -> JSON {
        .object(
            NPMShapes.common(host)
                + NPMShapes.copied(host, ["domain_names", "forward_http_code", "forward_scheme", "forward_domain_name", "preserve_path"])
                + [("certificate_id", NPMValues.shownReference(host["certificate_id"]))]
                + NPMShapes.copied(host, ["ssl_forced"])
                + [
                    ("hsts_enabled", false), ("hsts_subdomains", false), ("http2_support", true), ("block_exploits", false),
                    ("advanced_config", ""),
                ])
    }
}

/// NPM's dead (404) host over ``DeadHostKind``.
enum NPMDeadHost: NPMShape {
    typealias Kind = DeadHostKind
    static let path = "dead-hosts"

    static let members: [String: NPMMember] = [
        "domain_names": .same, "certificate_id": .reference("certificate_id"), "ssl_forced": .flag("ssl_forced"),
        "hsts_enabled": .onlyOff(reason: NPMUnsupported.hsts), "hsts_subdomains": .onlyOff(reason: NPMUnsupported.hsts),
        "http2_support": .translated(NPMUnsupported.http2), "advanced_config": .noAdvancedConfig,
    ]

    static func check(_ npm: JSON) throws(ValidationFailure) { try NPMUnsupported.checkHTTP2(npm) }

    static func shown(_ host: JSON, expand: Set<String>) -> JSON {
        .object(
            NPMShapes.common(host) + NPMShapes.copied(host, ["domain_names"])
                + [("certificate_id", NPMValues.shownReference(host["certificate_id"]))]
                + NPMShapes.copied(host, ["ssl_forced"])
                + [("hsts_enabled", false), ("hsts_subdomains", false), ("http2_support", true), ("advanced_config", "")])
    }
}

/// NPM's stream over ``StreamHostKind``: TCP and UDP forwarding of a port. A stream NPM would
/// terminate TLS for (one with a certificate) is refused: Caddy's layer4 app passes TLS through.
enum NPMStream: NPMShape {
    typealias Kind = StreamHostKind
    static let path = "streams"

    static let members: [String: NPMMember] = [
        "incoming_port": .same, "forwarding_host": .same, "forwarding_port": .same,
        "tcp_forwarding": .flag("tcp_forwarding"), "udp_forwarding": .flag("udp_forwarding"),
        "certificate_id": .translated { value throws(ValidationFailure) in
            guard case .null = try NPMValues.reference(value, field: "certificate_id") else {
                throw ValidationFailure(
                    "certificate_id",
                    "a stream that terminates TLS is not supported: send 0 and let the upstream speak TLS (the stream passes it through)")
            }
            return []
        },
    ]

    static func shown(_ stream: JSON, expand: Set<String>) -> JSON {
        .object(
            NPMShapes.common(stream)
                + NPMShapes.copied(stream, ["incoming_port", "forwarding_host", "forwarding_port", "tcp_forwarding", "udp_forwarding"])
                + [("certificate_id", 0)])
    }
}
