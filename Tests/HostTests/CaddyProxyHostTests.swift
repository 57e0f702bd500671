import Foundation
import TestSupport
import Host
import Testing

/// Proxy hosts rendered and loaded by the real `posternproxy.caddy` plugin into a real Caddy,
/// with real requests through it to upstreams run by the test.
@Suite(.serialized) struct CaddyProxyHostTests {
    typealias State = DesiredStateJSON

    @Test func routesEachDomainToItsUpstreamAndUnknownOrDisabledHostsTo404() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path), b = try TestUpstream("b", in: caddy.folder.path)
        defer {
            a.stop()
            b.stop()
        }
        let report = try await caddy.apply(
            State.document([
                "proxy_hosts": [
                    State.proxyHost(1, ["a.test", "www.a.test"], to: a), State.proxyHost(2, ["b.test"], to: b),
                    State.proxyHost(3, ["off.test"], to: a, ["enabled": false]),
                ]
            ]))
        #expect(report.status == .succeeded)
        #expect(CaddyServer.resourceResults(report) == ["proxy_host_1": ["status": "applied"], "proxy_host_2": ["status": "applied"]])
        #expect(try caddy.get("/", host: "a.test").upstream == "a")
        #expect(try caddy.get("/x", host: "www.a.test").upstream == "a")
        #expect(try caddy.get("/", host: "b.test").upstream == "b")
        #expect(try caddy.get("/", host: "off.test").status == 404)
        #expect(try caddy.get("/", host: "unknown.test").status == 404)
    }

    @Test func hostsWithoutBehaviourOfTheirOwnShareARouteAndStillReachTheirOwnUpstreams() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path), b = try TestUpstream("b", in: caddy.folder.path)
        defer {
            a.stop()
            b.stop()
        }
        let report = try await caddy.apply(
            State.document([
                "proxy_hosts": [
                    State.proxyHost(1, ["a.test", "www.a.test"], to: a), State.proxyHost(2, ["b.test"], to: b),
                    State.proxyHost(
                        3, ["own.test"], to: b, ["headers": [["direction": "request", "action": "set", "name": "X-Own", "value": "yes"]]]),
                ]
            ]), settings: ["shared_routes_from": 2])
        #expect(report.status == .succeeded)
        #expect(CaddyServer.resourceResults(report).keys.sorted() == ["proxy_host_1", "proxy_host_2", "proxy_host_3"])
        #expect(try caddy.get("/", host: "a.test").upstream == "a")
        #expect(try caddy.get("/x", host: "www.a.test").upstream == "a")
        #expect(try caddy.get("/", host: "b.test").upstream == "b")
        // Names are case-insensitive: the shared route finds the host whatever the request's case.
        #expect(try caddy.get("/", host: "WWW.A.Test").upstream == "a")
        #expect(try caddy.get("/", host: "B.TEST").upstream == "b")
        // A client cannot pass an authenticated user on, as with a host of its own.
        #expect(try caddy.get("/", host: "a.test", headers: ["X-Authenticated-User": "admin"]).upstreamHeader("X-Authenticated-User") == nil)
        #expect(try caddy.get("/", host: "own.test").upstreamHeader("X-Own") == "yes")
        #expect(try caddy.get("/", host: "unknown.test").status == 404)
    }

    @Test func skipsTheReloadWhenTheRenderingIsUnchanged() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path)
        defer { a.stop() }
        let state = State.document(["proxy_hosts": [State.proxyHost(1, ["a.test"], to: a)]])
        #expect(try await caddy.apply(state).steps.first?.outcome == .applied(changes: 1))
        #expect(try await caddy.apply(state).steps.first?.outcome == .unchanged)
        let changed = State.document(["proxy_hosts": [State.proxyHost(1, ["a.test", "b.test"], to: a)]])
        #expect(try await caddy.apply(changed).steps.first?.outcome == .applied(changes: 1))
        #expect(try caddy.get("/", host: "b.test").upstream == "a")
    }

    @Test(arguments: ["round_robin", "first", "ip_hash"])
    func distributesRequestsPerPolicy(policy: String) async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path), b = try TestUpstream("b", in: caddy.folder.path)
        defer {
            a.stop()
            b.stop()
        }
        try await caddy.apply(
            State.document([
                "proxy_hosts": [
                    State.proxyHost(
                        1, ["lb.test"], to: a,
                        [
                            "upstreams": [["host": "127.0.0.1", "port": b.port]], "load_balancing": policy,
                        ])
                ]
            ]))
        let seen = try (0..<6).map { _ in try caddy.get("/", host: "lb.test").upstream ?? "?" }
        switch policy {
        case "round_robin": #expect(Set(seen) == ["a", "b"])
        default: #expect(Set(seen).count == 1, "\(policy) keeps one client on one upstream: \(seen)")
        }
    }

    @Test func weightedRoundRobinGivesEachUpstreamItsShare() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path), b = try TestUpstream("b", in: caddy.folder.path)
        defer {
            a.stop()
            b.stop()
        }
        let report = try await caddy.apply(
            State.document([
                "proxy_hosts": [
                    State.proxyHost(
                        1, ["lb.test"], to: a,
                        [
                            "forward_weight": 3, "upstreams": [["host": "127.0.0.1", "port": b.port, "weight": 1]],
                            "load_balancing": "weighted_round_robin",
                        ])
                ]
            ]))
        #expect(report.status == .succeeded)
        let seen = try (0..<8).map { _ in try caddy.get("/", host: "lb.test").upstream ?? "?" }
        #expect(seen.filter { $0 == "a" }.count == 6 && seen.filter { $0 == "b" }.count == 2, "\(seen)")
    }

    @Test func aLocationHasHeaderRulesAndRoutesOfItsOwn() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path), b = try TestUpstream("b", in: caddy.folder.path)
        defer {
            a.stop()
            b.stop()
        }
        let location: [String: Any] = [
            "path": "/api", "forward_scheme": "http", "forward_host": "127.0.0.1", "forward_port": b.port,
            "headers": [["direction": "request", "action": "set", "name": "X-Location", "value": "api {method}"]],
            "advanced_config": [
                ["match": [["path": ["/api/teapot*"]]], "handle": [["handler": "static_response", "status_code": 418]]]
            ],
        ]
        let report = try await caddy.apply(
            State.document(["proxy_hosts": [State.proxyHost(1, ["loc.test"], to: a, ["locations": [location]])]]))
        #expect(report.status == .succeeded)
        let api = try caddy.get("/api/users", host: "loc.test")
        #expect(api.upstream == "b")
        #expect(api.upstreamHeader("X-Location") == "api GET")
        #expect(try caddy.get("/api/teapot", host: "loc.test").status == 418)
        let root = try caddy.get("/", host: "loc.test")
        #expect(root.upstream == "a")
        #expect(root.upstreamHeader("X-Location") == nil)
    }

    @Test func failsOverToALiveUpstream() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path), b = try TestUpstream("b", in: caddy.folder.path)
        defer { b.stop() }
        try await caddy.apply(
            State.document([
                "proxy_hosts": [
                    State.proxyHost(
                        1, ["lb.test"], to: a,
                        [
                            "upstreams": [["host": "127.0.0.1", "port": b.port]], "load_balancing": "first",
                        ])
                ]
            ]))
        #expect(try caddy.get("/", host: "lb.test").upstream == "a")
        a.stop()
        let answers = try (0..<4).map { _ in try caddy.get("/", host: "lb.test") }
        #expect(answers.allSatisfy { $0.status == 200 && $0.upstream == "b" }, "\(answers.map(\.status))")
    }

    @Test func activeHealthChecksEjectAndReturnAnUpstream() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path), b = try TestUpstream("b", in: caddy.folder.path)
        defer {
            a.stop()
            b.stop()
        }
        try await caddy.apply(
            State.document([
                "proxy_hosts": [
                    State.proxyHost(
                        1, ["hc.test"], to: a,
                        [
                            "upstreams": [["host": "127.0.0.1", "port": b.port]], "load_balancing": "first",
                            "health_check": ["active_enabled": true, "path": "/health", "interval_seconds": 1, "timeout_seconds": 1],
                        ])
                ]
            ]))
        #expect(try caddy.get("/", host: "hc.test").upstream == "a")
        a.setHealthy(false)
        try await eventually { try caddy.get("/", host: "hc.test").upstream == "b" }
        a.setHealthy(true)
        try await eventually { try caddy.get("/", host: "hc.test").upstream == "a" }
    }

    @Test func locationsSendTheMostSpecificPrefixToItsUpstream() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let main = try TestUpstream("main", in: caddy.folder.path), api = try TestUpstream("api", in: caddy.folder.path)
        let v2 = try TestUpstream("v2", in: caddy.folder.path)
        defer {
            main.stop()
            api.stop()
            v2.stop()
        }
        try await caddy.apply(
            State.document([
                "proxy_hosts": [
                    State.proxyHost(
                        1, ["loc.test"], to: main,
                        [
                            "locations": [
                                ["path": "/api", "forward_scheme": "http", "forward_host": "127.0.0.1", "forward_port": api.port],
                                ["path": "/api/v2", "forward_scheme": "http", "forward_host": "127.0.0.1", "forward_port": v2.port],
                            ]
                        ])
                ]
            ]))
        #expect(try caddy.get("/", host: "loc.test").upstream == "main")
        #expect(try caddy.get("/api/users", host: "loc.test").upstream == "api")
        #expect(try caddy.get("/api/v2/users", host: "loc.test").upstream == "v2")
        #expect(try caddy.get("/apiary", host: "loc.test").upstream == "api")
    }

    /// A location's `forward_path` replaces its prefix on the way to the upstream, as nginx's
    /// `proxy_pass` with a path does; the query string follows.
    @Test func aLocationsForwardPathReplacesItsPrefix() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let main = try TestUpstream("main", in: caddy.folder.path), api = try TestUpstream("api", in: caddy.folder.path)
        defer {
            main.stop()
            api.stop()
        }
        func location(_ path: String, _ forwardPath: String) -> [String: Any] {
            ["path": path, "forward_scheme": "http", "forward_host": "127.0.0.1", "forward_port": api.port, "forward_path": forwardPath]
        }
        try await caddy.apply(
            State.document([
                "proxy_hosts": [
                    State.proxyHost(
                        1, ["loc.test"], to: main,
                        ["locations": [location("/old", "/new"), location("/slashed/", "/v2/"), location("/strip", "/")]])
                ]
            ]))
        func seen(_ path: String) throws -> String? { try caddy.get(path, host: "loc.test").json?["path"] as? String }
        #expect(try seen("/old/a/b?c=d") == "/new/a/b?c=d")
        #expect(try seen("/slashed/page") == "/v2/page")
        #expect(try seen("/strip/x") == "/x")
        #expect(try seen("/elsewhere") == "/elsewhere")
        #expect(try caddy.get("/old/a", host: "loc.test").upstream == "api")
    }

    @Test func headerRulesApplyInOrderWithOnlyTheAllowedPlaceholders() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path)
        defer { a.stop() }
        try await caddy.apply(
            State.document([
                "proxy_hosts": [
                    State.proxyHost(
                        1, ["h.test"], to: a,
                        [
                            "headers": [
                                ["direction": "request", "action": "set", "name": "X-Real-IP", "value": "{remote_host}"],
                                ["direction": "request", "action": "set", "name": "X-Trace", "value": "first"],
                                [
                                    "direction": "request", "action": "set", "name": "X-Trace",
                                    "value": "second {method} {env.HOME} {file./etc/hostname}",
                                ],
                                ["direction": "request", "action": "delete", "name": "X-Remove-Me", "value": ""],
                                ["direction": "response", "action": "delete", "name": "Server", "value": ""],
                                ["direction": "response", "action": "set", "name": "X-Frame-Options", "value": "SAMEORIGIN"],
                                ["direction": "response", "action": "add", "name": "X-Echo", "value": "{http.request.header.X-Evil}"],
                            ]
                        ])
                ]
            ]))
        let answer = try caddy.get("/", host: "h.test", headers: ["X-Remove-Me": "1", "X-Evil": "pwned"])
        #expect(answer.upstreamHeader("X-Real-IP") == "127.0.0.1")
        #expect(answer.upstreamHeader("X-Trace") == "second GET {env.HOME} {file./etc/hostname}")
        #expect(answer.upstreamHeader("X-Remove-Me") == nil)
        #expect(answer.headers["server"] == nil)
        #expect(answer.headers["x-frame-options"] == "SAMEORIGIN")
        #expect(answer.headers["x-echo"] == "{http.request.header.X-Evil}")
    }

    @Test func errorPagesReplaceTheBodyAndKeepTheStatus() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path)
        let downPort = try FreePort.next()
        let pages = ["404": "<h1>Nothing {env.HOME} here</h1>", "502": "<h1>Bad gateway {file./etc/hostname}</h1>"]
        try await caddy.apply(
            State.document([
                "proxy_hosts": [
                    State.proxyHost(1, ["err.test"], to: a, ["error_pages": pages]),
                    ["id": 2, "domain_names": ["down.test"], "forward_host": "127.0.0.1", "forward_port": downPort, "error_pages": pages],
                ]
            ]))
        defer { a.stop() }
        let missing = try caddy.get("/status/404", host: "err.test")
        #expect(missing.status == 404)
        #expect(missing.body == "<h1>Nothing {env.HOME} here</h1>")
        #expect(missing.headers["content-type"] == "text/html; charset=utf-8")
        #expect(try caddy.get("/status/200", host: "err.test").upstream == "a")
        let down = try caddy.get("/", host: "down.test")
        #expect(down.status == 502)
        #expect(down.body == "<h1>Bad gateway {file./etc/hostname}</h1>")
    }

    /// Polls `condition` for up to 15 seconds.
    private func eventually(_ condition: () throws -> Bool) async throws {
        for _ in 0..<75 {
            if try condition() { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("condition never held")
    }
}
