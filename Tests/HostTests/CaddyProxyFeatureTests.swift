import Foundation
import TestSupport
import Host
import Testing

/// WebSocket, exploit blocking and asset caching through a real Caddy.
@Suite(.serialized) struct CaddyProxyFeatureTests {
    typealias State = DesiredStateJSON

    private func websocket(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let result = try LocalTarget().run(
            TargetCommand(argv: ["python3", TestEnvironment.fixture("websocket.py")] + arguments, timeout: .seconds(20)),
            onLine: { _ in }, isCancelled: { false })
        return (result.exitStatus, String(decoding: result.standardOutput, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func aWebSocketEchoesThroughTheProxyUnlessDisabled() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let port = try FreePort.next()
        let server = try ChildProcess(
            ["python3", TestEnvironment.fixture("websocket.py"), "serve", String(port)], in: caddy.folder.path, logName: "websocket")
        defer { server.stop() }
        try server.wait(until: { HTTPProbe.canConnect(port: port) }, what: "websocket server")
        let upstream: [String: Any] = ["forward_host": "127.0.0.1", "forward_port": port]
        try await caddy.apply(
            State.document([
                "proxy_hosts": [
                    ["id": 1, "domain_names": ["ws.test"]].merging(upstream) { $1 },
                    ["id": 2, "domain_names": ["nows.test"], "allow_websocket_upgrade": false].merging(upstream) { $1 },
                ]
            ]))
        let echoed = try websocket(["send", String(caddy.httpPort), "ws.test", "hello through caddy"])
        #expect(echoed.status == 0)
        #expect(echoed.output == "echo: hello through caddy")
        let refused = try websocket(["send", String(caddy.httpPort), "nows.test", "hello"])
        #expect(refused.status == 1)
        #expect(refused.output.contains("400"))
    }

    @Test func blockCommonExploitsRefusesAttackPatterns() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path)
        defer { a.stop() }
        try await caddy.apply(State.document(["proxy_hosts": [State.proxyHost(1, ["safe.test"], to: a, ["block_exploits": true])]]))
        #expect(try caddy.get("/search?q=hello", host: "safe.test").status == 200)
        #expect(try caddy.get("/search?id=1%20union%20select(1)", host: "safe.test").status == 403)
        #expect(try caddy.get("/page?file=../../etc/passwd", host: "safe.test").status == 403)
        #expect(try caddy.get("/?q=%3Cscript%3Ealert(1)%3C/script%3E", host: "safe.test").status == 403)
        #expect(try caddy.get("/", host: "safe.test", headers: ["User-Agent": "libwww-perl/6.0"]).status == 403)
    }

    @Test func cacheAssetsMarksStaticFilesCacheable() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path)
        defer { a.stop() }
        try await caddy.apply(State.document(["proxy_hosts": [State.proxyHost(1, ["cdn.test"], to: a, ["caching_enabled": true])]]))
        #expect(try caddy.get("/app.js", host: "cdn.test").headers["cache-control"] == "public, max-age=2592000")
        #expect(try caddy.get("/index.html", host: "cdn.test").headers["cache-control"] == nil)
    }
}
