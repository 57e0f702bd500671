import Foundation
import Host
import Testing
import TestSupport

/// Custom certificate uploads: the pair is checked, names and expiry are read, the
/// private key never comes back.
@Suite(.serialized) struct CertificateTests {
    private func pem(_ names: [String], in folder: TemporaryFolder, name: String) throws -> (certificate: String, key: String) {
        let certificate = folder.file("\(name).pem"), key = folder.file("\(name).key")
        let sans = names.map { "DNS:\($0)" }.joined(separator: ",")
        let result = try LocalTarget().run(
            TargetCommand(argv: [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", certificate,
                "-days", "20", "-subj", "/CN=\(names[0])", "-addext", "subjectAltName=\(sans)",
            ]), onLine: { _ in }, isCancelled: { false })
        #expect(result.exitStatus == 0)
        return (try String(contentsOfFile: certificate, encoding: .utf8), try String(contentsOfFile: key, encoding: .utf8))
    }

    @Test func anUploadedPairIsCheckedReadAndItsKeyNeverShown() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        let site = try pem(["shop.example.test", "www.shop.example.test"], in: controller.folder, name: "site")
        let other = try pem(["other.example.test"], in: controller.folder, name: "other")

        let uploaded = try await client.post(
            "/api/certificates", ["provider": "other", "certificate": site.certificate, "certificate_key": site.key])
        #expect(uploaded.status == 201, "\(String(decoding: uploaded.body, as: UTF8.self))")
        #expect(uploaded.object["domain_names"] as? [String] == ["shop.example.test", "www.shop.example.test"])
        #expect(uploaded.object["nice_name"] as? String == "shop.example.test")
        let daysLeft = try #require(uploaded.object["days_left"] as? Int)
        #expect((18...20).contains(daysLeft))
        #expect(uploaded.object["status"] as? String == "expiring")
        for answer in [uploaded, try await client.get("/api/certificates"), try await client.get("/api/certificates/\(uploaded.id!)")] {
            let text = String(decoding: answer.body, as: UTF8.self)
            #expect(!text.contains("PRIVATE KEY") && !text.contains("key_pem") && !text.contains("certificate_key"))
        }

        let mismatched = try await client.post(
            "/api/certificates", ["provider": "other", "certificate": site.certificate, "certificate_key": other.key])
        #expect(mismatched.status == 400 && mismatched.errorField == "certificate_key")
        let garbage = try await client.post(
            "/api/certificates",
            [
                "provider": "other", "certificate": "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----",
                "certificate_key": site.key,
            ])
        #expect(garbage.status == 400 && garbage.errorField == "certificate")
        #expect(try await client.post("/api/certificates", ["provider": "other", "certificate": site.certificate]).errorField == "certificate_key")
        #expect(
            try await client.post("/api/certificates", ["provider": "letsencrypt", "domain_names": ["*.example.test"]]).errorField == "domain_names")
        #expect(try await client.get("/api/certificates").object["total"] as? Int == 1)
        let automatic = try await client.post("/api/certificates", ["provider": "letsencrypt", "domain_names": ["auto.example.test"]])
        #expect(automatic.object["status"] as? String == "automatic")

        // Issuance: nothing to obtain for an uploaded pair, nor for a certificate no host uses; a
        // server whose data plane does not report certificates (this controller runs no Caddy) is unknown.
        let uploadedIssuance = try await client.get("/api/certificates/\(uploaded.id!)/issuance").object
        #expect((uploadedIssuance["note"] as? String)?.contains("uploaded") == true)
        let unused = try await client.get("/api/certificates/\(automatic.id!)/issuance").object
        #expect((unused["note"] as? String)?.contains("no enabled host uses it") == true)
        let host = try await client.post(
            "/api/proxy-hosts",
            ["domain_names": ["Auto.Example.Test"], "forward_host": "127.0.0.1", "forward_port": 8080, "certificate_id": automatic.id!])
        #expect(host.status == 201)
        let used = try await client.get("/api/certificates/\(automatic.id!)/issuance").object
        let entries = used["domains"] as? [[String: Any]] ?? []
        #expect(used["note"] is NSNull && entries.count == 1)
        #expect(entries.first?["domain"] as? String == "auto.example.test" && entries.first?["state"] as? String == "unknown")
        #expect(try await client.get("/api/certificates/999999/issuance").status == 404)
    }

    @Test func aProxyHostUsesAnUploadedCertificateAndDeletingItInUseIsRefused() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        let site = try pem(["secure.example.test"], in: controller.folder, name: "secure")
        let certificate = try await client.post("/api/certificates", ["certificate": site.certificate, "certificate_key": site.key])
        let host = try await client.post(
            "/api/proxy-hosts",
            [
                "domain_names": ["secure.example.test"], "forward_host": "10.0.0.1", "forward_port": 80,
                "certificate_id": certificate.id!, "ssl_forced": true,
            ])
        #expect(host.status == 201)
        #expect(try await client.delete("/api/certificates/\(certificate.id!)").status == 409)
        // Re-saving the certificate without its key keeps the stored key.
        #expect(try await client.put("/api/certificates/\(certificate.id!)", ["nice_name": "secure site"]).status == 200)
    }
}
