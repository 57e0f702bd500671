import Foundation
import Testing
import TestSupport

/// A real Prometheus server scrapes the controller's `/metrics` with an API token scoped to
/// metrics, and its query API gives back what the test did: the API requests it made by route and
/// status, the remote agent connected, its applies and their revision lag.
@Suite(.serialized) struct PrometheusTests {
    @Test func prometheusScrapesTheControllerWithAMetricsTokenAndSeesWhatHappened() async throws {
        let setup = try await MultiServerSetup()
        defer { setup.remove() }
        let (_, remoteID) = try await setup.addRemote("edge")
        for index in 0..<7 { _ = try await setup.addHost("counted-\(index).test", serverID: remoteID) }
        for _ in 0..<3 {
            #expect(
                try await setup.client.post("/api/proxy-hosts", ["domain_names": ["bad..name"], "forward_host": "127.0.0.1", "forward_port": 1])
                    .status == 400)
        }
        try await setup.converged(remoteID)

        let created = try await setup.client.post("/api/tokens", ["name": "prometheus", "scope": "metrics"])
        #expect(created.status == 201 && created.object["scope"] as? String == "metrics")
        let token = try #require(created.object["token"] as? String)
        // The token reads /metrics and nothing else; a bad scope is refused naming the field.
        let scoped = APIClient(port: setup.controller.port, bearer: token)
        #expect(try await scoped.get("/metrics").status == 200)
        let refused = try await scoped.get("/api/proxy-hosts")
        #expect(refused.status == 403 && refused.errorCode == "metrics_only")
        #expect(try await setup.client.post("/api/tokens", ["name": "x", "scope": "everything"]).errorField == "scope")

        let prometheus = try PrometheusServer(in: setup.controller.folder.path, target: "127.0.0.1:\(setup.controller.port)", bearer: token)
        defer { prometheus.stop() }
        try await eventually("Prometheus scrapes the controller", seconds: 30) { try prometheus.value(of: #"up{job="posternproxy"}"#) == 1 }
        let requests = #"posternproxy_http_requests_total{route="/api/proxy-hosts",method="POST",status=""#
        #expect(try prometheus.value(of: requests + #"201"}"#) == 7)
        #expect(try prometheus.value(of: requests + #"400"}"#) == 3)
        #expect(try prometheus.value(of: "posternproxy_agents_connected") == 1)
        #expect(try prometheus.value(of: #"posternproxy_server_online{server="edge"}"#) == 1)
        #expect(try prometheus.value(of: #"posternproxy_server_revision_lag{server="edge"}"#) == 0)
        #expect((try prometheus.value(of: #"posternproxy_apply_duration_seconds_count{server="edge"}"#) ?? 0) >= 1)
        #expect(try prometheus.value(of: #"posternproxy_apply_failures_total{server="edge"}"#) == 0)
    }
}
