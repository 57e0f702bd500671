import Foundation
import Testing
import TestSupport

/// Traffic counted by the real Caddy of the local server and of an agent in a network
/// namespace comes back, request for request, from the traffic API and from a real Prometheus
/// scraping the controller.
@Suite(.serialized) struct TrafficTests {
    @Test func requestsThroughLocalAndRemoteCaddyAreCountedPerHostAndServer() async throws {
        let setup = try await MultiServerSetup(environment: ["POSTERNPROXY_STATUS_SECONDS": "2", "POSTERNPROXY_TRAFFIC_FLUSH_SECONDS": "2"])
        defer { setup.remove() }
        let (remote, remoteID) = try await setup.addRemote("edge")
        let localID = try #require(try await setup.client.get("/api/servers").items.first { $0["is_local"] as? Bool == true }?["id"] as? Int)
        let localHost = try await setup.addHost("counted-local.test", serverID: Int64(localID), port: setup.localUpstream.port)
        let remoteHost = try await setup.addHost("counted-remote.test", serverID: remoteID)
        try await setup.converged(Int64(localID))
        try await setup.converged(remoteID)

        // Local: 6 × 200, 3 × 404, 2 × 503; remote: 4 × 200, 1 × 500.
        for (path, count) in [("/", 5), ("/status/404", 3), ("/status/503", 2)] {
            for _ in 0..<count {
                _ = try HTTPProbe.request(path, host: "counted-local.test", port: setup.localHTTPPort)
            }
        }
        // With a port, the name is still the host's (Caddy looks it up without the port).
        _ = try HTTPProbe.request("/", host: "counted-local.test:\(setup.localHTTPPort)", port: setup.localHTTPPort)
        // A name no host has: the server's unattributed requests.
        _ = try HTTPProbe.request("/", host: "nobody.test", port: setup.localHTTPPort)
        for (path, count) in [("/", 4), ("/status/500", 1)] {
            for _ in 0..<count { #expect(remote.get("counted-remote.test", path: path).status > 0) }
        }

        try await setup.eventually("the local host's 11 requests are counted", seconds: 30) {
            try await totals(setup, localHost)["requests"] as? Int == 11
        }
        let local = try await setup.client.get("/api/traffic/hosts/\(localHost)?range=1h").object
        let localTotals = try #require(local["totals"] as? [String: Any])
        #expect(localTotals["status_2xx"] as? Int == 6 && localTotals["status_4xx"] as? Int == 3 && localTotals["status_5xx"] as? Int == 2)
        #expect((localTotals["bytes_out"] as? Int ?? 0) > 0 && localTotals["p50_ms"] is Double)
        #expect((local["points"] as? [Any])?.count == 60 && local["step_seconds"] as? Int == 60)
        #expect((local["servers"] as? [[String: Any]])?.map { $0["server_id"] as? Int } == [localID])

        try await setup.eventually("the remote host's 5 requests are counted", seconds: 30) {
            try await totals(setup, remoteHost)["requests"] as? Int == 5
        }
        let remoteTotals = try await totals(setup, remoteHost)
        #expect(remoteTotals["status_2xx"] as? Int == 4 && remoteTotals["status_5xx"] as? Int == 1)
        for range in ["24h", "7d", "90d"] {
            let answer = try await setup.client.get("/api/traffic/hosts/\(remoteHost)?range=\(range)").object
            #expect((answer["totals"] as? [String: Any])?["requests"] as? Int == 5, "range \(range)")
        }

        let summary = try await setup.client.get("/api/traffic/summary").object
        let hosts = try #require(summary["hosts"] as? [[String: Any]])
        #expect(hosts.map { $0["id"] as? Int } == [Int(localHost), Int(remoteHost)])
        #expect((hosts.first?["requests_spark"] as? [Int])?.reduce(0, +) == 11 && (hosts.first?["errors_spark"] as? [Int])?.reduce(0, +) == 5)
        let page = try await setup.client.get("/api/traffic/summary?ids=\(remoteHost)").object["hosts"] as? [[String: Any]]
        #expect(page?.map { $0["id"] as? Int } == [Int(remoteHost)])
        #expect(try await setup.client.get("/api/traffic/summary?ids=1,x").errorField == "ids")
        let servers = try #require(summary["servers"] as? [[String: Any]])
        #expect(servers.first { $0["name"] as? String == "edge" }?["requests"] as? Int == 5)

        // Bad input is refused naming the field; a resource that is not a host is not found.
        #expect(try await setup.client.get("/api/traffic/hosts/\(localHost)?range=1y").errorField == "range")
        #expect(try await setup.client.get("/api/traffic/hosts/999999").status == 404)

        // Prometheus reads the same numbers per server and host.
        let token = try #require(try await setup.client.post("/api/tokens", ["name": "prometheus", "scope": "metrics"]).object["token"] as? String)
        let prometheus = try PrometheusServer(in: setup.controller.folder.path, target: "127.0.0.1:\(setup.controller.port)", bearer: token)
        defer { prometheus.stop() }
        try await eventually("Prometheus scrapes the controller", seconds: 30) { try prometheus.value(of: #"up{job="posternproxy"}"#) == 1 }
        let requests = "posternproxy_host_requests_total"
        #expect(try prometheus.value(of: #"\#(requests){host="counted-local.test",status="2xx"}"#) == 6)
        #expect(try prometheus.value(of: #"\#(requests){host="counted-local.test",status="4xx"}"#) == 3)
        #expect(try prometheus.value(of: #"\#(requests){server="edge",host="counted-remote.test",status="2xx"}"#) == 4)
        #expect(try prometheus.value(of: #"\#(requests){server="edge",host="counted-remote.test",status="5xx"}"#) == 1)
        #expect((try prometheus.value(of: #"posternproxy_host_sent_bytes_total{server="edge",host="counted-remote.test"}"#) ?? 0) > 0)
        let localName = try #require(try await setup.client.get("/api/servers/\(localID)").object["name"] as? String)
        #expect(try prometheus.value(of: #"posternproxy_server_unattributed_requests_total{server="\#(localName)"}"#) == 1)
    }

    @Test(arguments: [("desktop", "light"), ("phone", "dark")])
    func aBrowserOnAnotherMachineSeesAHostsTrafficInItsListDialogAndTheDashboard(viewport: String, theme: String) async throws {
        let setup = try await MultiServerSetup(environment: ["POSTERNPROXY_STATUS_SECONDS": "2", "POSTERNPROXY_TRAFFIC_FLUSH_SECONDS": "2"])
        defer { setup.remove() }
        let desk = try LinkedNamespace(prefix: "ppdesk", network: "10.62")
        defer { desk.remove() }
        let local = try #require(try await setup.client.get("/api/servers").items.first { $0["is_local"] as? Bool == true })
        let localID = try #require(local["id"] as? Int)
        let host = try await setup.addHost("charted.test", serverID: Int64(localID), port: setup.localUpstream.port)
        _ = try await setup.addHost("quiet.test", serverID: Int64(localID), port: setup.localUpstream.port)
        try await setup.converged(Int64(localID))
        for (path, count) in [("/", 9), ("/status/404", 2), ("/status/502", 1)] {
            for _ in 0..<count { _ = try HTTPProbe.request(path, host: "charted.test", port: setup.localHTTPPort) }
        }
        try await setup.eventually("the 12 requests are counted", seconds: 30) { try await totals(setup, host)["requests"] as? Int == 12 }

        let screenshots = "\(TestEnvironment.packageRoot)/.build/ui-screenshots"
        try FileManager.default.createDirectory(atPath: screenshots, withIntermediateDirectories: true)
        let settings: [String: Any] = [
            "url": "http://\(desk.hostAddress):\(setup.controller.port)", "email": ControllerProcess.adminEmail,
            "password": ControllerProcess.adminPassword, "host": "charted.test", "server": local["name"] as? String ?? "",
            "requests": 12, "status_4xx": 2, "status_5xx": 1, "viewport": viewport, "theme": theme, "screenshots": screenshots,
        ]
        let browser = try await BrowserScript.run("traffic.py", in: desk, settings: settings)
        #expect(browser.exitStatus == 0, "\(browser.output)\n\(browser.errors)")
        for check in [
            "the host list shows the host's requests and errors with a sparkline",
            "the traffic dialog's totals, chart tables and per-server table hold the requests sent", "the other ranges hold the same requests",
            "the dashboard lists the host among the top hosts by requests and by errors", "no script errors",
        ] {
            #expect(browser.output.contains("ok \(check)"), "missing: \(check)")
        }
    }

    private func totals(_ setup: MultiServerSetup, _ host: Int64) async throws -> [String: Any] {
        try await setup.client.get("/api/traffic/hosts/\(host)?range=1h").object["totals"] as? [String: Any] ?? [:]
    }
}
