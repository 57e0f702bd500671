import CaddyL4Rendering
import JSONCore
import Foundation
import TestSupport
import Testing

/// The pure renderer: shapes, refusals and capability checks (the behaviour is tested against a
/// real Caddy in the Caddy*Tests suites).
@Suite struct CaddyRendererTests {
    private func render(
        _ state: [String: Any], modules: Set<String>? = nil, reservedPorts: [Int] = [], sharedRoutesFrom: Int = RenderSettings().sharedRoutesFrom
    ) throws -> RenderResult {
        let desired = try DesiredState.reading(JSONSerialization.data(withJSONObject: state))
        var settings = RenderSettings()
        settings.modules = modules
        settings.reservedPorts = reservedPorts
        settings.sharedRoutesFrom = sharedRoutesFrom
        return CaddyRenderer.render(desired, settings: settings)
    }

    private func object(_ json: JSON?) throws -> Any {
        try JSONSerialization.jsonObject(with: Data((json ?? .null).serialized()), options: .fragmentsAllowed)
    }

    private func golden(_ name: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: TestEnvironment.fixture("golden/\(name)"))))
    }

    private func same(_ a: Any, _ b: Any) throws -> Bool {
        try JSONSerialization.data(withJSONObject: a, options: .sortedKeys) == JSONSerialization.data(withJSONObject: b, options: .sortedKeys)
    }

    private let allModules: Set<String> = ["layer4", "caddy.listeners.layer4", "http.handlers.rate_limit"]

    @Test func isDeterministic() throws {
        let state: [String: Any] = ["proxy_hosts": [["id": 1, "domain_names": ["b.test", "a.test"], "forward_host": "h", "forward_port": 1]]]
        #expect(try render(state).serialized() == render(state).serialized())
    }

    @Test func plainHostsShareOneRoutePerUpstreamSchemeOnceThereAreEnough() throws {
        let state: [String: Any] = [
            "proxy_hosts": [
                ["id": 1, "domain_names": ["a.test", "www.a.test"], "forward_host": "10.0.0.1", "forward_port": 8080],
                ["id": 2, "domain_names": ["b.test"], "forward_scheme": "https", "forward_host": "b.internal", "forward_port": 443],
                ["id": 3, "domain_names": ["c.test"], "forward_host": "c.internal", "forward_port": 80, "block_exploits": true],
                ["id": 4, "domain_names": ["*.w.test"], "forward_host": "w.internal", "forward_port": 80],
                ["id": 5, "domain_names": ["bad.test"], "forward_host": "{env.HOME}", "forward_port": 80],
                ["id": 6, "domain_names": ["d.test"], "forward_host": "fd00::6", "forward_port": 80],
            ]
        ]
        func routeIDs(_ result: RenderResult) -> [String] {
            result.config["apps"]?["http"]?["servers"]?["http"]?["routes"]?.arrayValue?.compactMap { $0["@id"]?.stringValue } ?? []
        }
        let shared = try render(state, sharedRoutesFrom: 3)
        // Own routes (behaviour of their own, or wildcard names) keep theirs; exact names come before wildcards.
        #expect(routeIDs(shared) == ["proxy_host_3", "proxy_hosts/shared-http", "proxy_hosts/shared-https", "proxy_host_4", "catch_all"])
        let route = shared.config["apps"]?["http"]?["servers"]?["http"]?["routes"]?.arrayValue?[1]
        #expect(try same(object(route), golden("shared-proxy-route.json")))
        // A bad upstream is refused for its host alone and never reaches the map.
        #expect(shared.rejected[ResourceKey(kind: "proxy_host", id: 5)]?.hasPrefix("forward_host") == true)
        #expect(!String(decoding: shared.serialized(), as: UTF8.self).contains("env.HOME"))
        #expect(Set(shared.rendered) == Set([1, 2, 3, 4, 6].map { ResourceKey(kind: "proxy_host", id: $0) }))
        // A name twice would make Caddy refuse the whole map: the second host is left out, named.
        var twice = state
        twice["proxy_hosts"] =
            (state["proxy_hosts"] as! [[String: Any]]) + [["id": 7, "domain_names": ["B.test"], "forward_host": "h", "forward_port": 1]]
        let refused = try render(twice, sharedRoutesFrom: 3)
        #expect(refused.rejected[ResourceKey(kind: "proxy_host", id: 7)] == "domain_names B.test is already served by proxy_host 2")
        #expect(refused.rendered.contains(ResourceKey(kind: "proxy_host", id: 2)))
        // Below the threshold every host keeps its own route.
        #expect(routeIDs(try render(state)) == ["proxy_host_1", "proxy_host_2", "proxy_host_3", "proxy_host_6", "proxy_host_4", "catch_all"])
    }

    @Test func theAdminSiteProxiesToTheControllerAheadOfHostsAndRefusesHostileValues() throws {
        let site: [String: Any] = ["domain_names": ["admin.test"], "upstream_host": "127.0.0.1", "upstream_port": 81]
        let result = try render([
            "admin_site": site,
            "proxy_hosts": [["id": 1, "domain_names": ["admin.test"], "forward_host": "h", "forward_port": 1, "ssl_forced": true]],
        ])
        #expect(result.rendered.first == ResourceKey(kind: "admin_site", id: 0))
        let text = String(decoding: result.serialized(), as: UTF8.self)
        let admin = try #require(text.range(of: #""dial":"127.0.0.1:81""#)),
            host = try #require(text.range(of: #""dial":"h:1""#) ?? text.range(of: #""h:1""#))
        #expect(admin.lowerBound < host.lowerBound)
        #expect(text.contains(#""subjects":["admin.test"#))
        for (field, value) in [
            ("upstream_host", "{env.HOME}" as Any), ("upstream_host", "127.0.0.1/x"), ("upstream_port", 0), ("domain_names", ["{file./etc/passwd}"]),
        ] {
            var hostile = site
            hostile[field] = value
            let refused = try render(["admin_site": hostile])
            #expect(refused.rejected[ResourceKey(kind: "admin_site", id: 0)]?.hasPrefix(field) == true, "\(field)=\(value)")
            #expect(
                !String(decoding: refused.serialized(), as: UTF8.self).contains("env.HOME")
                    && !String(decoding: refused.serialized(), as: UTF8.self).contains("passwd"))
        }
    }

    @Test func streamHostsMatchTheLayer4AppsDocumentedShape() throws {
        let result = try render(
            [
                "stream_hosts": [
                    ["id": 5, "incoming_port": 2222, "forwarding_host": "10.0.0.7", "forwarding_port": 22, "tcp_forwarding": true],
                    [
                        "id": 6, "incoming_port": 5353, "forwarding_host": "10.0.0.8", "forwarding_port": 53, "tcp_forwarding": false,
                        "udp_forwarding": true,
                    ],
                ]
            ], modules: allModules)
        #expect(result.rejected.isEmpty)
        #expect(try same(object(result.config["apps"]?["layer4"]), golden("layer4-streams.json")))
    }

    @Test func passthroughAndSNIStreamsShareTheHTTPSListener() throws {
        let result = try render(
            [
                "proxy_hosts": [
                    ["id": 9, "domain_names": ["git.example.test"], "forward_host": "10.0.0.9", "forward_port": 443, "tls_passthrough": true]
                ],
                "stream_hosts": [
                    ["id": 7, "incoming_port": 443, "forwarding_host": "10.0.0.10", "forwarding_port": 8883, "sni_names": ["mqtt.example.test"]]
                ],
            ], modules: allModules)
        #expect(result.rejected.isEmpty)
        let https = result.config["apps"]?["http"]?["servers"]?["https"]
        #expect(try same(object(https?["listener_wrappers"]), golden("https-listener-wrappers.json")))
    }

    @Test func rateLimitMatchesCaddyRatelimitsDocumentedShape() throws {
        let result = try render(
            [
                "proxy_hosts": [
                    [
                        "id": 4, "domain_names": ["r.test"], "forward_host": "h", "forward_port": 80,
                        "rate_limit": ["requests": 100, "window_seconds": 60],
                    ]
                ]
            ], modules: allModules)
        let routes = try object(result.config["apps"]?["http"]?["servers"]?["http"]?["routes"]) as? [[String: Any]]
        let subroutes = ((routes?.first?["handle"] as? [[String: Any]])?.first?["routes"]) as? [[String: Any]]
        let handler = (subroutes?.first?["handle"] as? [Any])?.first
        #expect(try same(try #require(handler), golden("rate-limit-handler.json")))
    }

    @Test func streamsMayNotListenOnHTTPOrTheReservedPortsOfThisMachine() throws {
        let state: [String: Any] = [
            "stream_hosts": [
                ["id": 1, "incoming_port": 81, "forwarding_host": "h", "forwarding_port": 22],
                ["id": 2, "incoming_port": 80, "forwarding_host": "h", "forwarding_port": 22],
            ]
        ]
        // On a remote server 81 is an ordinary port; on the controller's server it is the controller's.
        #expect(try render(state).rendered == [ResourceKey(kind: "stream_host", id: 1)])
        let onController = try render(state, reservedPorts: [81])
        #expect(onController.rendered.isEmpty)
        #expect(onController.rejected[ResourceKey(kind: "stream_host", id: 1)]?.hasPrefix("incoming_port is reserved") == true)
        #expect(RenderSettings().reservedPorts.isEmpty)
        let read = try RenderSettings(json: JSONParser.parse(Array(#"{"reserved_ports": [81, 8443]}"#.utf8)))
        #expect(read.reservedPorts == [81, 8443])
    }

    @Test func resourcesNeedingMissingModulesAreLeftOutWithAClearError() throws {
        let standard: Set<String> = ["http", "tls", "http.handlers.reverse_proxy"]
        let result = try render(
            [
                "proxy_hosts": [
                    ["id": 1, "domain_names": ["ok.test"], "forward_host": "h", "forward_port": 80],
                    [
                        "id": 2, "domain_names": ["limited.test"], "forward_host": "h", "forward_port": 80,
                        "rate_limit": ["requests": 5, "window_seconds": 1],
                    ],
                    ["id": 3, "domain_names": ["pass.test"], "forward_host": "h", "forward_port": 443, "tls_passthrough": true],
                ],
                "stream_hosts": [["id": 4, "incoming_port": 2222, "forwarding_host": "h", "forwarding_port": 22]],
            ], modules: standard)
        #expect(result.rendered == [ResourceKey(kind: "proxy_host", id: 1)])
        #expect(
            result.rejected[ResourceKey(kind: "proxy_host", id: 2)]
                == "rate_limit needs the Caddy module `http.handlers.rate_limit`, which this server's Caddy does not have")
        #expect(
            result.rejected[ResourceKey(kind: "proxy_host", id: 3)]
                == "tls_passthrough needs the Caddy module `caddy.listeners.layer4`, which this server's Caddy does not have")
        #expect(
            result.rejected[ResourceKey(kind: "stream_host", id: 4)]
                == "incoming_port needs the Caddy module `layer4`, which this server's Caddy does not have")
        #expect(result.config["apps"]?["layer4"] == nil)
    }

    @Test(arguments: [
        (#"{"domain_names": ["{env.HOME}"]}"#, "domain_names"),
        (#"{"domain_names": ["a.test; rm -rf /"]}"#, "domain_names"),
        (#"{"forward_host": "{file./etc/passwd}"}"#, "forward_host"),
        (#"{"forward_host": "h\r\nX: y"}"#, "forward_host"),
        (#"{"forward_port": 70000}"#, "forward_port"),
        (#"{"forward_scheme": "gopher"}"#, "forward_scheme"),
        (#"{"upstreams": [{"host": "{http.request.header.X-Target}", "port": 80}]}"#, "upstreams[0].host"),
        (#"{"locations": [{"path": "/{env.HOME}", "forward_scheme": "http", "forward_host": "h", "forward_port": 80}]}"#, "locations.path"),
        (#"{"headers": [{"direction": "request", "action": "set", "name": "X-A\r\nB", "value": "v"}]}"#, "headers[0].name"),
        (#"{"headers": [{"direction": "request", "action": "set", "name": "X-A", "value": "v\r\nInjected: 1"}]}"#, "headers[0].value"),
        (#"{"load_balancing": "weighted_evil", "upstreams": [{"host": "h", "port": 81}]}"#, "load_balancing"),
    ])
    func refusesHostileFieldsNamingThemAndRendersTheRest(fieldsJSON: String, field: String) throws {
        let fields = try #require(try JSONSerialization.jsonObject(with: Data(fieldsJSON.utf8)) as? [String: Any])
        let base: [String: Any] = ["id": 9, "domain_names": ["bad.test"], "forward_host": "h", "forward_port": 80]
        let result = try render([
            "proxy_hosts": [
                base.merging(fields) { $1 },
                ["id": 10, "domain_names": ["good.test"], "forward_host": "h", "forward_port": 80],
            ]
        ])
        let message = try #require(result.rejected[ResourceKey(kind: "proxy_host", id: 9)])
        #expect(message.hasPrefix(field + " "), "\(message)")
        #expect(result.rendered == [ResourceKey(kind: "proxy_host", id: 10)])
        let text = String(decoding: result.serialized(), as: UTF8.self)
        #expect(!text.contains("bad.test"))
    }

    @Test func userTextIsEscapedAndOnlyAllowedPlaceholdersTranslate() throws {
        let result = try render([
            "proxy_hosts": [
                [
                    "id": 1, "domain_names": ["a.test"], "forward_host": "h", "forward_port": 80,
                    "error_pages": ["404": "<p>{env.HOME}</p>"],
                    "headers": [["direction": "request", "action": "set", "name": "X-A", "value": "{remote_host}/{env.HOME}/{host"]],
                ]
            ]
        ])
        let text = String(decoding: result.serialized(), as: UTF8.self)
        #expect(text.contains(#"<p>\\{env.HOME\\}</p>"#))
        #expect(text.contains(#"{http.request.remote.host}/\\{env.HOME\\}/\\{host"#))
    }

    @Test func anEmptyAccessListDeniesEveryone() throws {
        let result = try render([
            "proxy_hosts": [["id": 1, "domain_names": ["a.test"], "forward_host": "h", "forward_port": 80, "access_list_id": 3]],
            "access_lists": [["id": 3, "clients": [], "items": []]],
        ])
        let text = String(decoding: result.serialized(), as: UTF8.self)
        #expect(text.contains(#"{"handle":[{"handler":"static_response","status_code":403"#))
    }
}
