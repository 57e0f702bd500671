import Foundation
import TestSupport
import Host
import Testing

/// Certificates, Force HTTPS and HSTS with a real Caddy: an uploaded certificate, and an
/// automatic one issued over ACME HTTP-01 by the Pebble test CA.
@Suite(.serialized) struct CaddyTLSTests {
    typealias State = DesiredStateJSON

    @Test func aCustomCertificateIsServedWithForceHTTPSAndHSTS() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path)
        defer { a.stop() }
        let pair = try TestCertificates.selfSigned("secure", for: ["secure.test"], in: caddy.folder.path)
        let report = try await caddy.apply(
            State.document([
                "proxy_hosts": [
                    State.proxyHost(
                        1, ["secure.test"], to: a,
                        [
                            "certificate_id": 7, "ssl_forced": true,
                            "hsts_enabled": true, "hsts_subdomains": true,
                        ])
                ],
                "certificates": [
                    [
                        "id": 7, "provider": "other", "certificate_pem": try String(contentsOfFile: pair.certificate, encoding: .utf8),
                        "key_pem": try String(contentsOfFile: pair.key, encoding: .utf8),
                    ]
                ],
            ]))
        #expect(report.status == .succeeded)
        let redirect = try caddy.get("/path?q=1", host: "secure.test")
        #expect(redirect.status == 301)
        #expect(redirect.headers["location"] == "https://secure.test:\(caddy.httpsPort)/path?q=1")
        let secure = try HTTPProbe.request("/", host: "secure.test", port: caddy.httpsPort, https: true, caCertificate: pair.certificate)
        #expect(secure.status == 200)
        #expect(secure.upstream == "a")
        #expect(secure.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains")
    }

    @Test func http2AndHTTP3AreOfferedPerHostAndCanBeTurnedOff() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path)
        defer { a.stop() }
        let pair = try TestCertificates.selfSigned("both", for: ["old.test", "new.test"], in: caddy.folder.path)
        let report = try await caddy.apply(
            State.document([
                "proxy_hosts": [
                    State.proxyHost(1, ["old.test"], to: a, ["certificate_id": 7, "http2_support": false, "http3_support": false]),
                    State.proxyHost(2, ["new.test"], to: a, ["certificate_id": 7]),
                ],
                "certificates": [
                    [
                        "id": 7, "provider": "other", "certificate_pem": try String(contentsOfFile: pair.certificate, encoding: .utf8),
                        "key_pem": try String(contentsOfFile: pair.key, encoding: .utf8),
                    ]
                ],
            ]))
        #expect(report.status == .succeeded)
        /// The HTTP version curl spoke (offering HTTP/2) and whether the answer offered HTTP/3.
        func answer(_ host: String) throws -> (version: String, altSvc: Bool) {
            let result = try LocalTarget().run(
                TargetCommand(argv: [
                    "curl", "-sS", "--http2", "--cacert", pair.certificate, "--resolve", "\(host):\(caddy.httpsPort):127.0.0.1", "-D", "-",
                    "-o", "/dev/null", "-w", "version=%{http_version}", "https://\(host):\(caddy.httpsPort)/",
                ]), onLine: { _ in }, isCancelled: { false })
            let text = String(decoding: result.standardOutput, as: UTF8.self)
            return (String(text.split(separator: "version=").last ?? ""), text.lowercased().contains("alt-svc: h3"))
        }
        let modern = try answer("new.test"), old = try answer("old.test")
        #expect(modern.version == "2" && modern.altSvc, "\(modern)")
        #expect(old.version == "1.1" && !old.altSvc, "\(old)")
    }

    /// Without HSTS the host has no behaviour of its own: from the threshold on it is served by
    /// the shared routes, with the same redirect and certificate.
    @Test(arguments: [1, 100]) func forceHTTPSWorksAlikeInTheSharedRoutes(sharedRoutesFrom: Int) async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path)
        defer { a.stop() }
        let pair = try TestCertificates.selfSigned("shared", for: ["shared.test"], in: caddy.folder.path)
        let report = try await caddy.apply(
            State.document([
                "proxy_hosts": [State.proxyHost(1, ["shared.test"], to: a, ["certificate_id": 7, "ssl_forced": true])],
                "certificates": [
                    [
                        "id": 7, "provider": "other", "certificate_pem": try String(contentsOfFile: pair.certificate, encoding: .utf8),
                        "key_pem": try String(contentsOfFile: pair.key, encoding: .utf8),
                    ]
                ],
            ]), settings: ["shared_routes_from": sharedRoutesFrom])
        #expect(report.status == .succeeded)
        let redirect = try caddy.get("/path?q=1", host: "Shared.Test")
        #expect(redirect.status == 301)
        #expect(redirect.headers["location"]?.lowercased() == "https://shared.test:\(caddy.httpsPort)/path?q=1")
        let secure = try HTTPProbe.request("/", host: "shared.test", port: caddy.httpsPort, https: true, caCertificate: pair.certificate)
        #expect(secure.status == 200 && secure.upstream == "a")
    }

    @Test func withoutACertificateAHostIsPlainHTTPAndNothingIsRequested() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path)
        defer { a.stop() }
        try await caddy.apply(State.document(["proxy_hosts": [State.proxyHost(1, ["plain.test"], to: a, ["hsts_enabled": true])]]))
        let answer = try caddy.get("/", host: "plain.test")
        #expect(answer.upstream == "a")
        #expect(answer.headers["strict-transport-security"] == nil)
        #expect(!HTTPProbe.canConnect(port: caddy.httpsPort), "no HTTPS listener without a TLS host")
    }

    @Test func anAutomaticCertificateIsIssuedByTheACMECAAndServed() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let a = try TestUpstream("a", in: caddy.folder.path)
        defer { a.stop() }
        let pebble = try PebbleCA(in: caddy.folder.path, httpPort: caddy.httpPort, tlsPort: caddy.httpsPort)
        defer { pebble.stop() }
        try await caddy.apply(
            State.document([
                "proxy_hosts": [State.proxyHost(1, ["auto.test"], to: a, ["ssl_forced": true])],
                "settings": ["acme_directory": pebble.directory, "acme_email": "admin@auto.test"],
            ]), settings: ["acme_trusted_roots": [pebble.serverCertificate]])
        let root = try pebble.rootCertificate()
        var answer = HTTPProbe.Answer(status: 0, headers: [:], body: "")
        for _ in 0..<60 where answer.status != 200 {
            answer = try HTTPProbe.request("/", host: "auto.test", port: caddy.httpsPort, https: true, caCertificate: root)
            if answer.status != 200 { try await Task.sleep(for: .seconds(1)) }
        }
        #expect(answer.status == 200, "the certificate was not issued and served in time")
        #expect(answer.upstream == "a")
    }
}
