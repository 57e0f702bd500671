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

    /// The hosts of one server's shared routes, gathered as they are added: each route's map
    /// entries and names, by upstream scheme, in order. A list part of a render
    /// (``RenderedParts``), so a render after a change keeps what the other hosts gathered, as it
    /// lies, instead of gathering 10,000 hosts' entries again.
    struct Hosts: Sendable {
        private(set) var http = Lists()
        private(set) var https = Lists()

        /// One route's map entries and their names: one each per name of each host, so both
        /// lists always have the same length.
        struct Lists: Sendable {
            fileprivate(set) var mappings: [JSONText] = []
            fileprivate(set) var names: [JSONText] = []

            fileprivate mutating func add(_ entry: Entry) {
                // Most hosts have one name: one element appended, not a list of one.
                if entry.mappings.count == 1 {
                    mappings.append(entry.mappings[0])
                    names.append(entry.names[0])
                } else {
                    mappings += entry.mappings
                    names += entry.names
                }
            }

            fileprivate var count: Int { names.count }

            fileprivate func stretch(from mark: Int) -> Lists {
                Lists(mappings: Array(mappings[mark...]), names: Array(names[mark...]))
            }

            fileprivate mutating func truncate(to mark: Int) {
                mappings.removeSubrange(mark...)
                names.removeSubrange(mark...)
            }

            fileprivate mutating func append(_ tail: Lists) {
                mappings += tail.mappings
                names += tail.names
            }
        }

        /// How long each route's lists were at one moment.
        struct Marks: Sendable {
            var http = 0, https = 0

            func combined(with other: Marks, by operation: (Int, Int) -> Int) -> Marks {
                Marks(http: operation(http, other.http), https: operation(https, other.https))
            }
        }

        var isEmpty: Bool { http.count == 0 && https.count == 0 }

        var marks: Marks { Marks(http: http.count, https: https.count) }

        /// Adds a host whose upstream scheme is `scheme` (`http` or `https`).
        mutating func add(_ entry: Entry, scheme: String) {
            if scheme == "http" { http.add(entry) } else { https.add(entry) }
        }

        /// Room for `count` more names of hosts with plain-HTTP upstreams (most hosts).
        mutating func reserve(_ count: Int) {
            http.mappings.reserveCapacity(http.mappings.count + count)
            http.names.reserveCapacity(http.names.count + count)
        }

        /// What the lists hold from `mark` on.
        func stretch(from mark: Marks) -> Hosts {
            Hosts(http: http.stretch(from: mark.http), https: https.stretch(from: mark.https))
        }

        mutating func truncate(to mark: Marks) {
            http.truncate(to: mark.http)
            https.truncate(to: mark.https)
        }

        mutating func append(_ tail: Hosts) {
            http.append(tail.http)
            https.append(tail.https)
        }
    }

    /// The upstream scheme of the hosts: `http`, or `https` (whose certificate, as for every proxy
    /// host, is not verified).
    let scheme: String
    /// The hosts' entries in the map, and their names, in order.
    let lists: Hosts.Lists

    /// The routes of `hosts`, one per upstream scheme that has hosts: `http` first, then `https`.
    /// The lists are the ones gathered as the hosts were added, not copied.
    static func routes(of hosts: Hosts) -> [SharedProxyRoute] {
        [SharedProxyRoute(scheme: "http", lists: hosts.http), SharedProxyRoute(scheme: "https", lists: hosts.https)].filter {
            !$0.lists.names.isEmpty
        }
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
                        "mappings": .serializedItems(lists.mappings), "defaults": [""],
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
            "@id": .string("proxy_hosts/shared-\(scheme)"), "match": [["host": .serializedItems(lists.names)]],
            "handle": [["handler": "subroute", "routes": .array(routes)]], "terminal": true,
        ]
    }

    /// Replacements that put a header's letters in lower case, one letter each.
    private static let lowercasing: [JSON] = (UInt8(ascii: "A")...UInt8(ascii: "Z")).map { byte in
        let upper = String(UnicodeScalar(byte)), lower = String(UnicodeScalar(byte + 32))
        return ["search": .string(upper), "replace": .string(lower)]
    }
}
