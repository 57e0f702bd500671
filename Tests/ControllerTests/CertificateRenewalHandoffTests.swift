import Foundation
import Host
import Testing
import TestSupport

/// Caddy taking over the renewal of an uploaded ACME certificate (certbot's, as an NPM import
/// brings it): served as uploaded until 30 days before it expires, then turned automatic by the
/// controller, and Caddy obtains the next one from the ACME CA (Pebble) with nothing issued before.
@Suite(.serialized) struct CertificateRenewalHandoffTests {
    @Test func anUploadedACMECertificateIsServedThenRenewedByCaddyBeforeItExpires() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.file("plugins"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: try TestEnvironment.builtPlugin("PosternProxyCaddyL4"), toPath: folder.file("plugins/libPosternProxyCaddyL4.so"))
        let httpPort = try FreePort.next(), httpsPort = try FreePort.next()
        let pebble = try PebbleCA(in: folder.path, httpPort: httpPort, tlsPort: httpsPort)
        defer { pebble.stop() }
        let upstream = try TestUpstream("app", in: folder.path)
        defer { upstream.stop() }
        let controller = try ControllerProcess(
            extraEnvironment: [
                "POSTERNPROXY_APPLY_PIPELINE": "posternproxy.caddy", "POSTERNPROXY_PLUGINS_DIR": folder.file("plugins"),
                "POSTERNPROXY_HTTP_PORT": String(httpPort), "POSTERNPROXY_HTTPS_PORT": String(httpsPort),
                "POSTERNPROXY_ACME_CA_ROOTS": pebble.serverCertificate, "POSTERNPROXY_EXPIRY_CHECK_SECONDS": "1",
            ])
        defer { controller.remove() }
        let admin = try await controller.loggedIn()
        #expect(try await admin.put("/api/settings/acme_directory", ["value": pebble.directory]).status == 200)
        #expect(try await admin.put("/api/settings/acme_email", ["value": "admin@example.test"]).status == 200)

        func upload(_ name: String, days: Int, renew: Bool = true) async throws -> APIClient.Answer {
            let pair = try TestCertificates.selfSigned(name, for: [name], in: folder.path, days: days)
            return try await admin.post(
                "/api/certificates",
                [
                    "provider": "other", "certificate": try String(contentsOfFile: pair.certificate, encoding: .utf8),
                    "certificate_key": try String(contentsOfFile: pair.key, encoding: .utf8), "renew_with_acme": renew,
                ])
        }
        func https(_ name: String, trusting root: String) -> String? {
            (try? HTTPProbe.request("/", host: name, port: httpsPort, https: true, caCertificate: root))?.upstream
        }

        // Far from its expiry: served as uploaded, with the date Caddy takes over.
        let later = try await upload("later.test", days: 80)
        #expect(later.status == 201, "\(String(decoding: later.body, as: UTF8.self))")
        #expect(later.object["renew_with_acme"] as? Bool == true && later.object["acme_renewal_from"] is String)
        let laterHost = try await admin.post(
            "/api/proxy-hosts",
            ["domain_names": ["later.test"], "forward_host": "127.0.0.1", "forward_port": upstream.port, "certificate_id": later.id ?? 0])
        #expect(laterHost.status == 201)
        try await eventually("the uploaded certificate is served") { https("later.test", trusting: folder.file("later.test.pem")) == "app" }

        // Within 30 days of its expiry: handed over, and Caddy obtains the next one from the CA.
        let soon = try await upload("soon.test", days: 20)
        #expect(soon.status == 201, "\(String(decoding: soon.body, as: UTF8.self))")
        let soonHost = try await admin.post(
            "/api/proxy-hosts",
            ["domain_names": ["soon.test"], "forward_host": "127.0.0.1", "forward_port": upstream.port, "certificate_id": soon.id ?? 0])
        #expect(soonHost.status == 201)
        try await eventually("the certificate is handed over to Caddy's renewal") {
            try await admin.get("/api/certificates/\(soon.id ?? 0)").object["provider"] as? String == "letsencrypt"
        }
        let root = try pebble.rootCertificate()
        try await eventually("Caddy serves the certificate the CA issued", seconds: 60) { https("soon.test", trusting: root) == "app" }
        let audit = try await admin.get("/api/audit-log?resource_type=certificate").items
        #expect(
            audit.contains {
                $0["action"] as? String == "update" && $0["resource_id"] as? Int == Int(soon.id ?? 0) && ($0["user_id"] as? Int) == nil
            }, "the controller did it: \(audit)")

        // The other one is still the uploaded one.
        #expect(try await admin.get("/api/certificates/\(later.id ?? 0)").object["provider"] as? String == "other")
        #expect(https("later.test", trusting: folder.file("later.test.pem")) == "app")

        // A wildcard cannot be renewed over HTTP-01: refused, naming the field, nothing stored.
        let wildcard = try await upload("*.wild.test", days: 20)
        #expect(wildcard.status == 400 && wildcard.errorField == "renew_with_acme", "\(String(decoding: wildcard.body, as: UTF8.self))")
        #expect(try await admin.get("/api/certificates").object["total"] as? Int == 2)
    }
}
