import Foundation
import Testing
import TestSupport

/// One controller, two remote servers as network namespaces with their own agent, Caddy and
/// upstream: each serves exactly what is assigned to it, and nothing is lost through faults.
@Suite(.serialized) struct MultiServerTests {
    @Test func eachServerServesItsOwnHostsAndHostsFollowReassignmentAndDeletion() async throws {
        let setup = try await MultiServerSetup()
        defer { setup.remove() }
        let (a, aID) = try await setup.addRemote("a")
        let (b, bID) = try await setup.addRemote("b")
        let onA = try await setup.addHost("on-a.test", serverID: aID)
        let onB = try await setup.addHost("on-b.test", serverID: bID)
        try await setup.converged(aID)
        try await setup.converged(bID)

        #expect(a.get("on-a.test").upstream == "a")
        #expect(a.get("on-b.test").status == 404)
        #expect(b.get("on-b.test").upstream == "b")
        #expect(b.get("on-a.test").status == 404)
        let serverA = try await setup.server(aID)
        #expect((serverA["caddy_version"] as? String)?.hasPrefix("v2.") == true)
        #expect(serverA["active_routes"] as? Int == 1)
        try await setup.eventually("A's upstream health reported") {
            ((try await setup.server(aID))["upstream_health"] as? [String: Any])?["caddy_running"] as? Bool == true
        }
        let resource = try await setup.client.get("/api/proxy-hosts/\(onA)").object
        #expect((resource["apply_status"] as? [String: Any])?["status"] as? String == "applied")

        // Disabled, the host goes from A, and its status settles when A has applied the removal.
        #expect(try await setup.client.post("/api/proxy-hosts/\(onA)/disable").status == 200)
        try await setup.eventually("A stops serving the disabled host") { a.get("on-a.test").status == 404 }
        try await setup.eventually("the removal is marked applied") {
            (try await setup.client.get("/api/proxy-hosts/\(onA)").object["apply_status"] as? [String: Any])?["status"] as? String == "applied"
        }
        #expect(try await setup.client.post("/api/proxy-hosts/\(onA)/enable").status == 200)
        try await setup.eventually("A serves the host again") { a.get("on-a.test").upstream == "a" }

        // The list filters by server, as the header selector does.
        let listedOnB = try await setup.client.get("/api/proxy-hosts?server_id=\(bID)").items.compactMap { ($0["id"] as? NSNumber)?.int64Value }
        #expect(listedOnB == [onB])

        // Reassigning moves the host: A serves it, B no longer does.
        #expect(try await setup.client.put("/api/proxy-hosts/\(onB)", ["server_id": aID]).status == 200)
        try await setup.eventually("on-b.test moved to A") { a.get("on-b.test").upstream == "a" && b.get("on-b.test").status == 404 }
        #expect(try await setup.client.put("/api/proxy-hosts/\(onB)", ["server_id": bID]).status == 200)
        try await setup.eventually("on-b.test back on B") { b.get("on-b.test").upstream == "b" && a.get("on-b.test").status == 404 }

        // Deleting B leaves its host untouched, and its hosts answer on the local server.
        let deleted = try await setup.client.delete("/api/servers/\(bID)")
        #expect(deleted.status == 200)
        #expect((deleted.object["uninstall_commands"] as? [String])?.isEmpty == false)
        #expect(b.get("on-b.test").upstream == "b")
        let localID = (deleted.object["resources_moved_to_server_id"] as? NSNumber)?.int64Value
        #expect(try await setup.client.get("/api/proxy-hosts/\(onB)").object["server_id"] as? NSNumber == localID.map { NSNumber(value: $0) })
        #expect(try await setup.client.put("/api/proxy-hosts/\(onB)", ["forward_port": setup.localUpstream.port]).status == 200)
        try await setup.eventually("on-b.test served by the local server") {
            (try? HTTPProbe.request("/", host: "on-b.test", port: setup.localHTTPPort))?.upstream == "local"
        }
    }

    @Test func aServerConvergesAfterEveryFaultWithNothingLost() async throws {
        let setup = try await MultiServerSetup()
        defer { setup.remove() }
        let (a, aID) = try await setup.addRemote("a")
        let first = try await setup.addHost("h0.test", serverID: aID)
        try await setup.converged(aID)
        #expect(a.get("h0.test").upstream == "a")

        // The agent killed (-9) while it applies a change, and one more change while it is gone.
        _ = try await setup.addHost("h1.test", serverID: aID)
        a.killAgent()
        _ = try await setup.addHost("h2.test", serverID: aID)
        try a.restartAgent()
        try await setup.converged(aID)
        for host in ["h0.test", "h1.test", "h2.test"] { #expect(a.get(host).upstream == "a", "\(host) after the agent was killed") }

        // The link down for 30 seconds while changes are made: the server goes Offline, keeps
        // serving what it had, and catches up when the link returns.
        try a.setLink(up: false)
        let linkDown = ContinuousClock.now
        try await setup.eventually("server offline without its link") { (try await setup.server(aID))["status"] as? String == "offline" }
        _ = try await setup.addHost("h3.test", serverID: aID)
        #expect(try await setup.client.delete("/api/proxy-hosts/\(first)").status == 204)
        #expect(a.get("h0.test").upstream == "a", "the data plane keeps its last config while the controller is away")
        try await Task.sleep(until: linkDown + .seconds(30))
        try a.setLink(up: true)
        try await setup.converged(aID, seconds: 30)
        #expect(a.get("h3.test").upstream == "a")
        #expect(a.get("h0.test").status == 404)

        // The controller restarted while a change waits for an offline server.
        a.killAgent()
        try await setup.eventually("server offline without its agent") { (try await setup.server(aID))["status"] as? String == "offline" }
        _ = try await setup.addHost("h4.test", serverID: aID)
        try setup.controller.restart()
        try a.restartAgent()
        try await setup.converged(aID)
        #expect(a.get("h4.test").upstream == "a")

        // Caddy killed and started again, empty, under a running agent.
        a.killCaddy()
        try a.startCaddy()
        try await setup.eventually("Caddy serves again after its restart") { a.get("h4.test").upstream == "a" }
        #expect(a.get("h1.test").upstream == "a")

        // Caddy down while a change arrives: the server is in Error with the message, and the
        // change applies once Caddy is back (the agent retries it; nothing is resent).
        a.killCaddy()
        _ = try await setup.addHost("h5.test", serverID: aID)
        try await setup.eventually("server in error while Caddy is down") {
            let server = try await setup.server(aID)
            return server["status"] as? String == "error" && (server["last_error"] as? String)?.contains("posternproxy.caddy") == true
        }
        try a.startCaddy()
        try await setup.converged(aID)
        #expect(a.get("h5.test").upstream == "a")
        #expect(a.get("h4.test").upstream == "a")
    }
}
