import JSONCore

/// Renders one proxy host into its Caddy routes.
struct ProxyHostRoutes {
    let host: ProxyHost
    let key: ResourceKey
    let accessList: AccessList?
    let servedOverTLS: Bool

    static let policies: Set<String> = ["round_robin", "weighted_round_robin", "random", "least_conn", "ip_hash", "uri_hash", "first"]

    /// The host's route: a subroute of its handlers, matched by its domain names.
    func route() throws(RenderingError) -> JSON {
        var routes: [JSON] = []
        if let accessList { routes += try AccessControl.routes(accessList, resource: key) }
        if let limit = host.rateLimit { routes.append(try rateLimit(limit)) }
        if host.blockExploits { routes.append(ExploitBlocking.route) }
        if !host.allowWebsocketUpgrade {
            routes.append([
                "match": [["header_regexp": ["Upgrade": ["pattern": "(?i)websocket"]]]],
                "handle": [["handler": "static_response", "status_code": 400, "body": "WebSocket is not enabled for this host"]],
            ])
        }
        routes += try headerRules(host.headers, field: "headers")
        routes += try advancedRoutes(host.advancedConfig, field: "advanced_config")
        if host.cachingEnabled {
            routes.append([
                "match": [["path_regexp": ["pattern": #"(?i)\.(css|js|mjs|jpe?g|gif|png|webp|avif|woff2?|eot|ttf|otf|svg|ico|map)$"#]]],
                "handle": [["handler": "headers", "response": ["set": ["Cache-Control": ["public, max-age=2592000"]], "deferred": true]]],
            ])
        }
        if servedOverTLS && !host.http3Support {
            // Caddy offers HTTP/3 on its HTTPS server through `Alt-Svc`; without it no client switches.
            routes.append(["handle": [["handler": "headers", "response": ["delete": ["Alt-Svc"], "deferred": true]]]])
        }
        if servedOverTLS && host.hstsEnabled {
            let value = "max-age=31536000" + (host.hstsSubdomains ? "; includeSubDomains" : "")
            routes.append([
                "match": [["protocol": "https"]],
                "handle": [["handler": "headers", "response": ["set": ["Strict-Transport-Security": .strings([value])], "deferred": true]]],
            ])
        }
        // Locations: the most specific (longest) prefix first; unmatched paths fall through.
        for (index, location) in host.locations.enumerated().sorted(by: { $0.element.path.count > $1.element.path.count }) {
            try Self.requireLocationPath(location.path, resource: key)
            try UserText.requireHostName(location.forwardHost, field: "locations[\(index)].forward_host", resource: key)
            try UserText.requirePort(location.forwardPort, field: "locations[\(index)].forward_port", resource: key)
            let upstream = [Dial(address: UserText.dial(location.forwardHost, location.forwardPort), weight: 1)]
            let proxy = try reverseProxy(upstream, scheme: location.forwardScheme, field: "locations[\(index)].forward_scheme")
            let handlers =
                try Self.pathRewrite(from: location.path, to: location.forwardPath, resource: key, field: "locations[\(index)].forward_path")
                + [proxy]
            let own =
                try headerRules(location.headers, field: "locations[\(index)].headers")
                + advancedRoutes(location.advancedConfig, field: "locations[\(index)].advanced_config")
            routes.append([
                "match": [["path": .strings([location.path + "*"])]],
                "handle": own.isEmpty ? .array(handlers) : [["handler": "subroute", "routes": .array(own + [["handle": .array(handlers)]])]],
                "terminal": true,
            ])
        }
        routes.append(["handle": [try reverseProxy(try upstreams(), scheme: host.forwardScheme, field: "forward_scheme")]])
        return [
            "@id": .string(key.tag), "match": [["host": .strings(host.domainNames)]],
            "handle": [["handler": "subroute", "routes": .array(routes)]], "terminal": true,
        ]
    }

    /// The host's error pages for errors Caddy itself raises (502 when no upstream answers, 503
    /// when none is healthy), for the server's `errors` routes; nil without custom pages.
    func errorRoute() -> JSON? {
        let pages = ["502", "503"].compactMap { code in host.errorPages[code].map { (code, $0) } }
        guard !pages.isEmpty else { return nil }
        let routes = pages.map { code, html -> JSON in
            [
                "match": [["expression": .string("{http.error.status_code} == \(code)")]],
                "handle": [ErrorPages.response(html, status: "{http.error.status_code}")],
            ]
        }
        return [
            "@id": .string(key.tag + "/errors"), "match": [["host": .strings(host.domainNames)]],
            "handle": [["handler": "subroute", "routes": .array(routes)]], "terminal": true,
        ]
    }

    private func advancedRoutes(_ config: JSON?, field: String) throws(RenderingError) -> [JSON] {
        switch config {
        case nil, .null: return []
        case .array(let routes) where routes.allSatisfy({ if case .object = $0 { true } else { false } }): return routes
        default: throw RenderingError(resource: key, field: field, message: "must be a JSON array of Caddy route objects")
        }
    }

    /// An upstream's dial address and its share with `weighted_round_robin`.
    private struct Dial {
        var address: String
        var weight: Int
    }

    private func upstreams() throws(RenderingError) -> [Dial] {
        try UserText.requireHostName(host.forwardHost, field: "forward_host", resource: key)
        try UserText.requirePort(host.forwardPort, field: "forward_port", resource: key)
        var dials = [Dial(address: UserText.dial(host.forwardHost, host.forwardPort), weight: host.forwardWeight)]
        for (index, upstream) in host.upstreams.enumerated() {
            try UserText.requireHostName(upstream.host, field: "upstreams[\(index)].host", resource: key)
            try UserText.requirePort(upstream.port, field: "upstreams[\(index)].port", resource: key)
            dials.append(Dial(address: UserText.dial(upstream.host, upstream.port), weight: upstream.weight))
        }
        return dials
    }

    private func reverseProxy(_ dials: [Dial], scheme: String, field: String) throws(RenderingError) -> JSON {
        var handler: [(String, JSON)] = [("handler", "reverse_proxy"), ("upstreams", .array(dials.map { ["dial": .string($0.address)] }))]
        switch scheme {
        case "http": break
        // Like Nginx Proxy Manager, an https upstream's certificate is not verified.
        case "https": handler.append(("transport", ["protocol": "http", "tls": ["insecure_skip_verify": true]]))
        default: throw RenderingError(resource: key, field: field, message: "must be http or https")
        }
        if dials.count >= 2 {
            guard Self.policies.contains(host.loadBalancing) else {
                throw RenderingError(
                    resource: key, field: "load_balancing", message: "must be one of \(Self.policies.sorted().joined(separator: ", "))")
            }
            var policy: [(String, JSON)] = [("policy", .string(host.loadBalancing))]
            if host.loadBalancing == "weighted_round_robin" {
                guard dials.allSatisfy({ (1...100).contains($0.weight) }) else {
                    throw RenderingError(resource: key, field: "upstreams.weight", message: "must be 1-100")
                }
                policy.append(("weights", .array(dials.map { .int($0.weight) })))
            }
            handler.append(("load_balancing", ["selection_policy": .object(policy), "retries": .int(dials.count - 1)]))
        }
        if let checks = try healthChecks(upstreamCount: dials.count) { handler.append(("health_checks", checks)) }
        var upstreamHeaders: [(String, JSON)] = []
        if accessList?.passAuth == true {
            upstreamHeaders.append(("set", ["X-Authenticated-User": ["{http.auth.user.id}"]]))
        } else {
            upstreamHeaders.append(("delete", ["X-Authenticated-User"]))
        }
        handler.append(("headers", ["request": .object(upstreamHeaders)]))
        handler.append(("stream_close_delay", "5m"))
        let upstreamPages = ["404", "502", "503"].compactMap { code in host.errorPages[code].map { (code, $0) } }
        if !upstreamPages.isEmpty {
            handler.append(
                (
                    "handle_response",
                    .array(
                        upstreamPages.map { code, html -> JSON in
                            [
                                "match": ["status_code": [.int(Int(code)!)]],
                                "routes": [["handle": [ErrorPages.response(html, status: "{http.reverse_proxy.status_code}")]]],
                            ]
                        })
                ))
        }
        return .object(handler)
    }

    /// Active and passive checks as configured. With several upstreams and passive checks off, a
    /// failed upstream is still set aside for 10 seconds after one failure (Nginx's default
    /// `max_fails=1 fail_timeout=10s`), so retries go to another upstream.
    private func healthChecks(upstreamCount: Int) throws(RenderingError) -> JSON? {
        let check = host.healthCheck
        var checks: [(String, JSON)] = []
        if check.activeEnabled {
            try Self.requireLocationPath(check.path, resource: key, field: "health_check.path")
            guard check.intervalSeconds > 0, check.timeoutSeconds > 0, (100...599).contains(check.expectStatus) else {
                throw RenderingError(resource: key, field: "health_check", message: "interval and timeout must be positive and expect_status 100-599")
            }
            checks.append(
                (
                    "active",
                    [
                        "uri": .string(check.path), "interval": .string("\(check.intervalSeconds)s"),
                        "timeout": .string("\(check.timeoutSeconds)s"), "expect_status": .int(check.expectStatus),
                    ]
                ))
        }
        if check.passiveEnabled {
            guard check.failDurationSeconds > 0, check.maxFails > 0, check.unhealthyLatencyMs >= 0 else {
                throw RenderingError(resource: key, field: "health_check", message: "fail_duration and max_fails must be positive")
            }
            var passive: [(String, JSON)] = [("fail_duration", .string("\(check.failDurationSeconds)s")), ("max_fails", .int(check.maxFails))]
            if check.unhealthyLatencyMs > 0 { passive.append(("unhealthy_latency", .string("\(check.unhealthyLatencyMs)ms"))) }
            checks.append(("passive", .object(passive)))
        } else if upstreamCount >= 2 {
            checks.append(("passive", ["fail_duration": "10s", "max_fails": 1]))
        }
        return checks.isEmpty ? nil : .object(checks)
    }

    private func rateLimit(_ limit: ProxyHost.RateLimit) throws(RenderingError) -> JSON {
        guard limit.requests > 0, limit.windowSeconds > 0 else {
            throw RenderingError(resource: key, field: "rate_limit", message: "requests and window_seconds must be positive")
        }
        let zone: JSON = ["key": "{http.request.remote.host}", "window": .string("\(limit.windowSeconds)s"), "max_events": .int(limit.requests)]
        return ["handle": [["handler": "rate_limit", "rate_limits": .object([(key.tag, zone)])]]]
    }

    private func headerRules(_ rules: [ProxyHost.HeaderRule], field list: String) throws(RenderingError) -> [JSON] {
        try rules.enumerated().map { (index, rule) throws(RenderingError) -> JSON in
            let field = "\(list)[\(index)]"
            guard rule.direction == "request" || rule.direction == "response" else {
                throw RenderingError(resource: key, field: field + ".direction", message: "must be request or response")
            }
            guard HeaderName.isValid(rule.name) else {
                throw RenderingError(resource: key, field: field + ".name", message: "is not a valid header name")
            }
            guard !rule.value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
                throw RenderingError(resource: key, field: field + ".value", message: "must not contain CR, LF or NUL")
            }
            let operation: JSON
            switch rule.action {
            case "set": operation = ["set": .object([(rule.name, .strings([UserText.headerValue(rule.value)]))])]
            case "add": operation = ["add": .object([(rule.name, .strings([UserText.headerValue(rule.value)]))])]
            case "delete": operation = ["delete": .strings([rule.name])]
            default: throw RenderingError(resource: key, field: field + ".action", message: "must be set, add or delete")
            }
            var ops = operation
            if rule.direction == "response", case .object(var members) = ops {
                members.append(("deferred", true))
                ops = .object(members)
            }
            return ["handle": [.object([("handler", "headers"), (rule.direction, ops)])]]
        }
    }

    private static let pathCharacters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()+,;=:@%/".utf8)

    /// The rewrites that send a location's requests to `forwardPath` on its upstream in place of
    /// the location's own prefix, as nginx's `proxy_pass` with a path does: `/app/x?q` → `/new/x?q`
    /// for the location `/app` (or `/app/`) and the path `/new` (or `/new/`); `/` strips the
    /// prefix. None without a forward path. Both paths are checked path characters, so neither
    /// can form a placeholder in the rewrite.
    static func pathRewrite(from prefix: String, to forwardPath: String?, resource: ResourceKey, field: String) throws(RenderingError) -> [JSON] {
        guard let forwardPath, !forwardPath.isEmpty else { return [] }
        try requireLocationPath(forwardPath, resource: resource, field: field)
        let strip = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        let target = forwardPath.hasSuffix("/") ? String(forwardPath.dropLast()) : forwardPath
        var rewrites: [JSON] = []
        if !strip.isEmpty { rewrites.append(["handler": "rewrite", "strip_path_prefix": .string(strip)]) }
        if !target.isEmpty { rewrites.append(["handler": "rewrite", "uri": .string(target + "{http.request.uri}")]) }
        return rewrites
    }

    /// A path prefix: starts with `/`; RFC 3986 path characters only (no `*`, braces or spaces).
    static func requireLocationPath(_ path: String, resource: ResourceKey, field: String = "locations.path") throws(RenderingError) {
        guard path.hasPrefix("/"), path.utf8.count <= 1024, path.utf8.allSatisfy(pathCharacters.contains) else {
            throw RenderingError(resource: resource, field: field, message: "must start with / and use URL path characters only")
        }
    }
}

/// HTTP header field names (RFC 9110 tokens).
enum HeaderName {
    private static let token = Set("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 256 && name.utf8.allSatisfy(token.contains)
    }
}
