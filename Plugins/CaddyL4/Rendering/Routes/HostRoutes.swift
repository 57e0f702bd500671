import JSONCore

/// Routes of the simpler resources, and of the HTTP → HTTPS redirect.
enum HostRoutes {
    static let redirectCodes: Set<Int> = [300, 301, 302, 303, 307, 308]

    /// A redirection host.
    static func redirection(_ host: RedirectionHost, key: ResourceKey) throws(RenderingError) -> JSON {
        // A domain name, optionally followed by the path the redirect leads to.
        let slash = host.forwardDomainName.firstIndex(of: "/") ?? host.forwardDomainName.endIndex
        let domain = String(host.forwardDomainName[..<slash]), path = String(host.forwardDomainName[slash...])
        try UserText.requireHostName(domain, field: "forward_domain_name", resource: key)
        if !path.isEmpty { try ProxyHostRoutes.requireLocationPath(path, resource: key, field: "forward_domain_name") }
        guard redirectCodes.contains(host.forwardHttpCode) else {
            throw RenderingError(resource: key, field: "forward_http_code", message: "must be 300, 301, 302, 303, 307 or 308")
        }
        let scheme: String
        switch host.forwardScheme {
        case "http", "https": scheme = host.forwardScheme
        case "auto": scheme = "{http.request.scheme}"
        default: throw RenderingError(resource: key, field: "forward_scheme", message: "must be http, https or auto")
        }
        let location = "\(scheme)://\(domain)\(path)" + (host.preservePath ? "{http.request.uri}" : path.isEmpty ? "/" : "")
        return [
            "@id": .string(key.tag), "match": [["host": .strings(host.domainNames)]],
            "handle": [
                [
                    "handler": "static_response", "status_code": .int(host.forwardHttpCode),
                    "headers": ["Location": .strings([location])],
                ]
            ],
            "terminal": true,
        ]
    }

    /// A dead host: its access list, then 404 for everything.
    static func dead(_ host: DeadHost, key: ResourceKey, accessList: AccessList?) throws(RenderingError) -> JSON {
        var routes = try accessList.map { list throws(RenderingError) in try AccessControl.routes(list, resource: key) } ?? []
        routes.append(["handle": [notFound]])
        return [
            "@id": .string(key.tag), "match": [["host": .strings(host.domainNames)]],
            "handle": [["handler": "subroute", "routes": .array(routes)]], "terminal": true,
        ]
    }

    /// On the HTTP server, for hosts with Force HTTPS: 301 to the same URL over HTTPS.
    /// The controller's admin at its own domain: everything proxied to the controller's HTTP
    /// listener, which trusts this Caddy's `X-Forwarded-For` and `X-Forwarded-Proto`.
    static func adminSite(_ site: DesiredState.AdminSite, key: ResourceKey) throws(RenderingError) -> JSON {
        try UserText.requireHostName(site.upstreamHost, field: "upstream_host", resource: key)
        try UserText.requirePort(site.upstreamPort, field: "upstream_port", resource: key)
        return [
            "@id": .string(key.tag), "match": [["host": .strings(site.domainNames)]],
            "handle": [["handler": "reverse_proxy", "upstreams": [["dial": .string(UserText.dial(site.upstreamHost, site.upstreamPort))]]]],
            "terminal": true,
        ]
    }

    static func httpsRedirect(domains: [String], id: String, httpsPort: Int) -> JSON {
        let port = httpsPort == 443 ? "" : ":\(httpsPort)"
        return [
            "@id": .string(id), "match": [["host": .strings(domains)]],
            "handle": [
                [
                    "handler": "static_response", "status_code": 301,
                    "headers": ["Location": .strings(["https://{http.request.host}\(port){http.request.uri}"])],
                ]
            ],
            "terminal": true,
        ]
    }

    /// What requests for unknown hosts get (the `default_site` setting).
    static func catchAll(_ settings: DesiredState.Settings) -> JSON {
        let handler: JSON
        switch settings.defaultSite {
        case "444":
            handler = ["handler": "static_response", "abort": true]
        case "redirect" where settings.defaultSiteRedirect.map(isHTTPURL) == true:
            handler = [
                "handler": "static_response", "status_code": 302,
                "headers": ["Location": .strings([UserText.literal(settings.defaultSiteRedirect!)])],
            ]
        case "congratulations":
            handler = [
                "handler": "static_response", "status_code": 200, "body": .string(congratulations),
                "headers": ["Content-Type": ["text/html; charset=utf-8"]],
            ]
        default:
            handler = notFound
        }
        return ["@id": "catch_all", "handle": [handler], "terminal": true]
    }

    static let notFound: JSON = [
        "handler": "static_response", "status_code": 404, "body": "404 Not Found",
        "headers": ["Content-Type": ["text/plain; charset=utf-8"]],
    ]

    private static func isHTTPURL(_ text: String) -> Bool {
        (text.hasPrefix("https://") || text.hasPrefix("http://"))
            && !text.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 } ?? false })
    }

    private static let congratulations = """
        <!doctype html><html><head><meta charset="utf-8"><title>PosternProxy</title></head>\
        <body><h1>Congratulations!</h1><p>PosternProxy is serving this address, but no host is configured for it.</p></body></html>
        """
}
