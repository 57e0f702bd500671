import Foundation
import Host
import Testing
import TestSupport

/// Streams on a server whose Caddy lacks layer4 (the stock Caddy the setup installs): one that
/// needs nothing only layer4 does is carried by the server's iptables step, DNAT to an IPv4
/// target and a supervised socat for a target on the server itself, chosen by the controller
/// from the modules the agent reported and shown on the stream; one that truly needs layer4 is
/// refused saying why. Traffic comes from the machine into the server's namespace, as a client's
/// would.
@Suite(.serialized) struct StreamCarrierTests {
    /// The answer to `GET /` at `address:port` from the machine, or nil when none came.
    private func fetch(_ address: String, _ port: Int) -> [String: Any]? {
        let result = try? LocalTarget().run(
            TargetCommand(argv: ["curl", "-s", "--max-time", "3", "http://\(address):\(port)/through-stream"], timeout: .seconds(10)),
            onLine: { _ in }, isCancelled: { false })
        guard result?.exitStatus == 0, let output = result?.standardOutput else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(output)) as? [String: Any]
    }

    @Test func streamsOnAServerWithoutLayer4AreCarriedByIptablesAndSocat() async throws {
        let setup = try await MultiServerSetup()
        defer { setup.remove() }
        let (server, serverID) = try await setup.addRemote("streams")
        try await setup.converged(serverID)
        let namespaceAddress = server.network.address
        // DNAT sends the connection on through the server: the server forwards, as a server
        // that carries port forwards must.
        let forwarding = try LocalTarget().run(
            TargetCommand(argv: ["ip", "netns", "exec", server.namespace, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]), onLine: { _ in },
            isCancelled: { false })
        #expect(forwarding.exitStatus == 0)
        // A target beyond the server: an upstream on the machine's end of the link.
        let targetPort = try FreePort.next()
        let target = try ChildProcess(
            ["python3", TestEnvironment.fixture("upstream.py"), "beyond", String(targetPort), server.hostAddress], in: server.folder.path,
            logName: "beyond")
        defer { target.stop() }

        let onServer = try await setup.client.post(
            "/api/stream-hosts",
            ["incoming_port": 24001, "forwarding_host": "127.0.0.1", "forwarding_port": server.upstreamPort, "server_id": serverID])
        #expect(onServer.status == 201, "\(String(decoding: onServer.body, as: UTF8.self))")
        #expect(onServer.object["carrier"] as? String == "socat", "a target on the server itself goes through socat")
        let beyond = try await setup.client.post(
            "/api/stream-hosts",
            ["incoming_port": 24002, "forwarding_host": server.hostAddress, "forwarding_port": targetPort, "server_id": serverID])
        #expect(beyond.status == 201, "\(String(decoding: beyond.body, as: UTF8.self))")
        #expect(beyond.object["carrier"] as? String == "iptables", "an IPv4 target elsewhere is reached by DNAT")

        try await setup.eventually("both streams carry traffic") {
            fetch(namespaceAddress, 24001)?["upstream"] as? String == "streams" && fetch(namespaceAddress, 24002)?["upstream"] as? String == "beyond"
        }
        #expect(fetch(namespaceAddress, 24001)?["path"] as? String == "/through-stream")
        try await setup.converged(serverID)
        for id in [onServer.id, beyond.id].compactMap({ $0 }) {
            let stream = try await setup.client.get("/api/stream-hosts/\(id)").object
            #expect((stream["apply_status"] as? [String: Any])?["status"] as? String == "applied", "\(stream)")
        }
        let rules = try LocalTarget().run(
            TargetCommand(argv: ["ip", "netns", "exec", server.namespace, "iptables-save", "-t", "nat"]), onLine: { _ in }, isCancelled: { false })
        let saved = String(decoding: rules.standardOutput, as: UTF8.self)
        #expect(saved.contains("--dport 24002 -m comment --comment stream_host_\(beyond.id ?? 0) -j DNAT"), "\(saved)")
        #expect(!saved.contains("--dport 24001"), "the socat stream adds no rule")

        // Disabled, a stream stops carrying: its socat ends and its rule goes.
        #expect(try await setup.client.put("/api/stream-hosts/\(onServer.id ?? 0)", ["enabled": false]).status == 200)
        #expect(try await setup.client.put("/api/stream-hosts/\(beyond.id ?? 0)", ["enabled": false]).status == 200)
        try await setup.eventually("the disabled streams carry nothing") {
            fetch(namespaceAddress, 24001) == nil && fetch(namespaceAddress, 24002) == nil
        }

        // What only layer4 can do is refused on this server, saying why.
        let bySNI = try await setup.client.post(
            "/api/stream-hosts",
            [
                "incoming_port": 24003, "forwarding_host": "127.0.0.1", "forwarding_port": server.upstreamPort, "sni_names": ["db.example.test"],
                "server_id": serverID,
            ])
        #expect(bySNI.status == 400 && bySNI.errorField == "sni_names", "\(String(decoding: bySNI.body, as: UTF8.self))")
        #expect(bySNI.errorMessage?.contains("layer4") == true && bySNI.errorMessage?.contains("SNI") == true)
        let toIPv6 = try await setup.client.post(
            "/api/stream-hosts", ["incoming_port": 24004, "forwarding_host": "2001:db8::1", "forwarding_port": 80, "server_id": serverID])
        #expect(toIPv6.status == 400 && toIPv6.errorField == "forwarding_host", "\(String(decoding: toIPv6.body, as: UTF8.self))")
    }
}
