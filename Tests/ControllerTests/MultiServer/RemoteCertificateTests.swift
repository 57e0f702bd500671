import Foundation
import Host
import Testing
import TestSupport

/// A remote server obtains the automatic certificates of its hosts from the ACME CA (Pebble,
/// reached over the namespace's link), and its agent reports how each is doing: the controller's
/// issuance report follows it per server and domain name, with the CA's error for a name it
/// refuses.
@Suite(.serialized) struct RemoteCertificateTests {
    @Test func aRemoteServerReportsItsCertificatesAsItObtainsThem() async throws {
        let setup = try await MultiServerSetup()
        defer { setup.remove() }
        let (server, serverID, token) = try await setup.addRemoteWithoutAgent("edge")
        let pebble = try PebbleCA(
            in: server.folder.path, httpPort: 80, tlsPort: 443, blocked: ["blocked.test"], address: server.hostAddress,
            resolving: server.network.address)
        defer { pebble.stop() }
        let root = try pebble.rootCertificate()
        try server.startAgent(
            controllerURL: "http://\(server.hostAddress):\(setup.controller.port)", token: token,
            extra: [
                "POSTERNPROXY_ACME_CA_ROOTS=\(pebble.serverCertificate)",
                "POSTERNPROXY_CADDY_CERTIFICATE_LOG=\(server.folder.file("caddy/certificates.log"))",
            ])
        #expect(try await setup.client.put("/api/settings/acme_directory", ["value": pebble.directory]).status == 200)
        #expect(try await setup.client.put("/api/settings/acme_email", ["value": "admin@example.test"]).status == 200)

        let issued = try await addHost("secure.test", on: serverID, setup: setup)
        try await setup.eventually("the remote server reports secure.test issued", seconds: 90) {
            try await issuance(issued, setup).first?["state"] as? String == "issued"
        }
        let entry = try await issuance(issued, setup)
        #expect(entry.count == 1)
        #expect(entry.first?["server_id"] as? NSNumber == NSNumber(value: serverID) && entry.first?["server"] as? String == "edge")
        // What the report says is what a client sees: the host answers over HTTPS with Pebble's certificate.
        #expect(server.getOverHTTPS("secure.test", caFile: root) == "edge")

        let refused = try await addHost("blocked.test", on: serverID, setup: setup)
        try await setup.eventually("the remote server reports blocked.test refused", seconds: 90) {
            try await issuance(refused, setup).first?["state"] as? String == "failed"
        }
        let message = try await issuance(refused, setup).first?["message"] as? String
        #expect(message?.contains("blocked") == true, "\(message ?? "no message")")
    }

    /// A proxy host on `serverID` for `domain` with a new automatic certificate; the certificate's id.
    private func addHost(_ domain: String, on serverID: Int64, setup: MultiServerSetup) async throws -> Int64 {
        let certificate = try await setup.client.post("/api/certificates", ["provider": "letsencrypt", "domain_names": [domain]])
        guard let id = certificate.id else { throw TestSetupError("certificate not created: \(certificate.object)") }
        let host = try await setup.client.post(
            "/api/proxy-hosts",
            ["domain_names": [domain], "forward_host": "127.0.0.1", "forward_port": 8001, "server_id": serverID, "certificate_id": id])
        guard host.status == 201 else { throw TestSetupError("host not created: \(host.object)") }
        return id
    }

    private func issuance(_ certificateID: Int64, _ setup: MultiServerSetup) async throws -> [[String: Any]] {
        try await setup.client.get("/api/certificates/\(certificateID)/issuance").object["domains"] as? [[String: Any]] ?? []
    }
}
