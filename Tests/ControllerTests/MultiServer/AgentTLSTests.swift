import Foundation
import Testing
import TestSupport

/// An agent whose controller sits behind TLS (`https://`, a Caddy terminating TLS in front of the
/// controller, with a private certificate the agent trusts through `POSTERNPROXY_CA_FILE`): it
/// connects, converges and stays connected through its pings; an agent that does not trust the
/// certificate never connects.
@Suite(.serialized) struct AgentTLSTests {
    @Test func anAgentReachesAControllerBehindTLSWithItsCAFileAndStaysConnected() async throws {
        let setup = try await MultiServerSetup()
        defer { setup.remove() }
        let (trusting, trustingID, trustingToken) = try await setup.addRemoteWithoutAgent("tls")
        let (doubting, doubtingID, doubtingToken) = try await setup.addRemoteWithoutAgent("notls")
        let folder = trusting.folder
        let address = trusting.hostAddress
        // The controller's certificate names the machine's end of both links.
        let (certificate, key) = try TestCertificates.selfSigned("controller", for: [address, doubting.hostAddress], in: folder.path)
        let (otherCertificate, _) = try TestCertificates.selfSigned("other", for: [address], in: folder.path)

        // Caddy on the machine terminates TLS on the namespace's link and proxies to the controller.
        let tlsPort = try FreePort.next()
        let config = #"""
            {"admin": {"listen": "unix/\#(folder.file("tls-admin.sock"))"},
             "apps": {"http": {"servers": {"tls": {"listen": [":\#(tlsPort)"], "tls_connection_policies": [{}],
                                                   "automatic_https": {"disable": true},
                                                   "routes": [{"handle": [{"handler": "reverse_proxy", "upstreams": [{"dial": "127.0.0.1:\#(setup.controller.port)"}]}]}]}}},
                      "tls": {"certificates": {"load_files": [{"certificate": "\#(certificate)", "key": "\#(key)"}]}}}}
            """#
        let proxy = try ChildProcess(
            [
                "env", "HOME=\(folder.path)", "XDG_DATA_HOME=\(folder.path)", "XDG_CONFIG_HOME=\(folder.path)",
                "caddy", "run", "--config", try folder.write("tls-proxy.json", config),
            ],
            in: folder.path, logName: "tls-proxy")
        defer { proxy.stop() }
        try proxy.wait(until: { FileManager.default.fileExists(atPath: folder.file("tls-admin.sock")) }, what: "the TLS proxy")

        try trusting.startAgent(controllerURL: "https://\(address):\(tlsPort)", token: trustingToken, extra: ["POSTERNPROXY_CA_FILE=\(certificate)"])
        try doubting.startAgent(
            controllerURL: "https://\(doubting.hostAddress):\(tlsPort)", token: doubtingToken,
            extra: ["POSTERNPROXY_CA_FILE=\(otherCertificate)"])
        let host = try await setup.addHost("over-tls.test", serverID: trustingID)
        try await setup.converged(trustingID)
        #expect(trusting.get("over-tls.test").upstream == "tls")
        #expect(try await setup.client.get("/api/proxy-hosts/\(host)").status == 200)

        // Two ping intervals later it is still the first connection: the pongs come back.
        try await Task.sleep(for: .seconds(35))
        #expect(try await setup.server(trustingID)["status"] as? String == "online")
        #expect(trusting.agentLog.components(separatedBy: "connected to the controller").count == 2)
        #expect(!trusting.agentLog.contains("controller closed the connection"))

        #expect(try await setup.server(doubtingID)["status"] as? String != "online")
        #expect(doubting.agentLog.contains("controller connection failed"))
        #expect(doubting.agentLog.contains("CERTIFICATE_VERIFY_FAILED"))
    }
}
