import JSONCore

/// Proxy hosts without behaviour of their own, served by one route per upstream scheme: a
/// `map` from the request's host to the host's upstream, then one `reverse_proxy` that dials the
/// mapped address. Caddy loads one such route for 10,000 hosts about ten times faster than
/// 10,000 routes of their own, and holds far less memory for it.
///
/// A host qualifies (``qualifies(_:accessList:servedOverTLS:)``) when everything about it is
/// its names and one upstream: no access list, rate limit, exploit blocking, header rules, raw
/// routes, caching, HSTS, locations, extra upstreams, health checks or error pages, WebSocket
/// upgrades allowed, and only exact (not wildcard) names. Every other host keeps its own route.
///
/// The map compares names exactly, so a request's host is first put in lower case (names are
/// case-insensitive; the stored ones are lower case). The upstream addresses are checked host
/// names and ports, never user text with braces, so a mapped value expands to itself; a host the
/// map does not know gets a fixed 404, never an address.
struct SharedProxyRoute {
    /// One host in the shared route.
    /// A class: a render that reuses it (``RenderMemo``) copies a reference, not its lists.
    final class Entry: Sendable {
        let domains: [String]
        let dial: String
        let key: ResourceKey
        /// Its entries in the map, one per name, serialized once, with the entry: a render that
        /// reuses the entry (``RenderMemo``) neither makes nor serializes them again.
        let mappings: [JSONText]
        /// Its names, as the host matcher lists them, serialized.
        let names: [JSONText]

        init(domains: [String], dial: String, key: ResourceKey) {
            self.domains = domains
            self.dial = dial
            self.key = key
            mappings = domains.map { domain in JSONText(["input": .string(domain.lowercased()), "outputs": .strings([dial])]) }
            names = domains.map { JSONText(.string($0)) }
        }
    }

    /// The upstream scheme of the hosts: `http`, or `https` (whose certificate, as for every proxy
    /// host, is not verified).
    let scheme: String
    /// The hosts' entries in the map, and their names, in order.
    private(set) var mappings: [JSONText] = []
    private(set) var names: [JSONText] = []

    private init(scheme: String) { self.scheme = scheme }

    /// The routes of `shared`, one per upstream scheme that has hosts: `http` first, then `https`.
    /// One pass over the hosts, whose entries and names are added to lists made room for at once.
    static func routes(of shared: [(scheme: String, entry: Entry)]) -> [SharedProxyRoute] {
        var http = SharedProxyRoute(scheme: "http")
        var https = SharedProxyRoute(scheme: "https")
        let httpCount = shared.reduce(0) { $0 + ($1.scheme == "http" ? $1.entry.mappings.count : 0) }
        http.mappings.reserveCapacity(httpCount)
        http.names.reserveCapacity(httpCount)
        for (scheme, entry) in shared {
            if scheme == "http" {
                http.mappings += entry.mappings
                http.names += entry.names
            } else {
                https.mappings += entry.mappings
                https.names += entry.names
            }
        }
        return [http, https].filter { !$0.names.isEmpty }
    }

    /// The placeholder the map writes and the proxy dials.
    static let upstreamPlaceholder = "{posternproxy.upstream}"

    static func qualifies(_ host: ProxyHost, accessList: AccessList?, servedOverTLS: Bool) -> Bool {
        accessList == nil && host.rateLimit == nil && !host.blockExploits && host.allowWebsocketUpgrade && host.headers.isEmpty
            && (host.advancedConfig == nil || host.advancedConfig == .null || host.advancedConfig == .array([])) && !host.cachingEnabled
            && !(servedOverTLS && (host.hstsEnabled || !host.http3Support)) && host.locations.isEmpty && host.upstreams.isEmpty
            && !host.healthCheck.activeEnabled && !host.healthCheck.passiveEnabled && host.errorPages.isEmpty
            && (host.forwardScheme == "http" || host.forwardScheme == "https") && !host.domainNames.contains { $0.hasPrefix("*") }
    }

    /// The redirect to HTTPS of the hosts among them that force it, `@id` `proxy_hosts/shared-https-redirect`.
    static func httpsRedirect(_ entries: [Entry], httpsPort: Int) -> JSON {
        HostRoutes.httpsRedirect(domains: entries.flatMap(\.domains), id: "proxy_hosts/shared-https-redirect", httpsPort: httpsPort)
    }

    /// The route, `@id` `proxy_hosts/shared-<scheme>` (a suffix tells its copy on another server).
    func route() -> JSON {
        var proxy: [(String, JSON)] = [
            ("handler", "reverse_proxy"), ("upstreams", [["dial": .string(Self.upstreamPlaceholder)]]),
        ]
        if scheme == "https" { proxy.append(("transport", ["protocol": "http", "tls": ["insecure_skip_verify": true]])) }
        proxy += [("headers", ["request": ["delete": ["X-Authenticated-User"]]]), ("stream_close_delay", "5m")]
        let unmapped: JSON = .object([(Self.upstreamPlaceholder, .strings([""]))])
        let routes: [JSON] = [
            [
                "match": [["header_regexp": ["Host": ["pattern": "[A-Z]"]]]],
                "handle": [["handler": "headers", "request": ["replace": ["Host": .array(Self.lowercasing)]]]],
            ],
            [
                "handle": [
                    [
                        "handler": "map", "source": "{http.request.host}", "destinations": .strings([Self.upstreamPlaceholder]),
                        "mappings": .serializedItems(mappings), "defaults": [""],
                    ]
                ]
            ],
            [
                "match": [["vars": unmapped]],
                "handle": [["handler": "static_response", "status_code": 404]], "terminal": true,
            ],
            ["handle": [.object(proxy)]],
        ]
        return [
            "@id": .string("proxy_hosts/shared-\(scheme)"), "match": [["host": .serializedItems(names)]],
            "handle": [["handler": "subroute", "routes": .array(routes)]], "terminal": true,
        ]
    }

    /// Replacements that put a header's letters in lower case, one letter each.
    private static let lowercasing: [JSON] = (UInt8(ascii: "A")...UInt8(ascii: "Z")).map { byte in
        let upper = String(UnicodeScalar(byte)), lower = String(UnicodeScalar(byte + 32))
        return ["search": .string(upper), "replace": .string(lower)]
    }
}
