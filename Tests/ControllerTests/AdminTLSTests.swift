import Foundation
import Host
import TestSupport
import Testing

/// The admin over HTTPS: a certificate made at first start whose fingerprint INITIAL SETUP
/// prints, the admin's own PEM files reloaded without a restart, and bad files refused naming the
/// variable while the previous certificate keeps being served.
@Suite(.serialized) struct AdminTLSTests {
    /// The SHA-256 fingerprint (`AB:CD:…`) of the certificate a loopback TLS port presents.
    static func servedFingerprint(port: Int) throws -> String {
        let script = """
            import hashlib, ssl, sys
            der = ssl.PEM_cert_to_DER_cert(ssl.get_server_certificate(("127.0.0.1", int(sys.argv[1]))))
            print(":".join(f"{b:02X}" for b in hashlib.sha256(der).digest()))
            """
        let result = try LocalTarget().run(
            TargetCommand(argv: ["python3", "-c", script, String(port)], timeout: .seconds(20)), onLine: { _ in }, isCancelled: { false })
        return String(decoding: result.standardOutput, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A login over TLS with curl, which refuses the connection unless the key matches `pin`.
    static func pinnedLogin(port: Int, pin: String) throws -> (exitStatus: Int32, headers: String) {
        let body = #"{"email": "\#(ControllerProcess.adminEmail)", "password": "\#(ControllerProcess.adminPassword)"}"#
        let result = try LocalTarget().run(
            TargetCommand(
                argv: [
                    "curl", "-sS", "-k", "--pinnedpubkey", pin, "-D", "-", "-o", "/dev/null", "-H", "Content-Type: application/json",
                    "--data", body, "https://127.0.0.1:\(port)/api/auth/login",
                ], timeout: .seconds(20)), onLine: { _ in }, isCancelled: { false })
        return (result.exitStatus, String(decoding: result.standardOutput, as: UTF8.self))
    }

    @Test func theFirstStartMakesACertificateAndPrintsItsFingerprint() async throws {
        let tlsPort = try FreePort.next()
        let controller = try ControllerProcess(adminPassword: nil, extraEnvironment: ["POSTERNPROXY_TLS_LISTEN": "127.0.0.1:\(tlsPort)"])
        defer { controller.remove() }
        let output = controller.output
        let printed = try #require(output.split(separator: "\n").first { $0.contains("SHA-256:") }?.split(separator: " ").last.map(String.init))
        let pin = try #require(output.split(separator: "\n").first { $0.contains("key pin:") }?.split(separator: " ").last.map(String.init))
        #expect(output.contains("https://<this host>:\(tlsPort)/"))
        do {
            try await eventually("the HTTPS listener accepts connections", seconds: 60) { HTTPProbe.canConnect(port: tlsPort) }
        } catch {
            Issue.record("\(error)\n--- controller\n\(controller.output.suffix(3000))")
            return
        }
        #expect(try Self.servedFingerprint(port: tlsPort) == printed)

        let password = try #require(output.split(separator: "\n").first { $0.contains("password:") }?.split(separator: " ").last.map(String.init))
        _ = password
        let wrongPin = try Self.pinnedLogin(port: tlsPort, pin: "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
        #expect(wrongPin.exitStatus != 0)

        // The fingerprints are in the API too, for the Settings page.
        let admin = try await controller.loggedIn(password: password)
        let access = try await admin.get("/api/admin-access").object
        let https = try #require(access["https"] as? [String: Any])
        #expect(https["sha256_fingerprint"] as? String == printed)
        #expect(https["public_key_pin"] as? String == pin)
        #expect(https["source"] as? String == "self-signed")
        #expect((https["names"] as? [String])?.contains("127.0.0.1") == true)
        #expect((https["names"] as? [String])?.contains("localhost") == true)

        // A restart keeps the certificate and prints no new INITIAL SETUP.
        try controller.restart()
        do {
            try await eventually("the HTTPS listener accepts connections", seconds: 60) { HTTPProbe.canConnect(port: tlsPort) }
        } catch {
            Issue.record("\(error)\n--- controller\n\(controller.output.suffix(3000))")
            return
        }
        #expect(try Self.servedFingerprint(port: tlsPort) == printed)
        #expect(!controller.output.contains("INITIAL SETUP"))
        let mode = try FileManager.default.attributesOfItem(atPath: controller.folder.file("data/tls/admin-key.pem"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func loginOverHTTPSSetsSecureCookies() async throws {
        let tlsPort = try FreePort.next()
        let controller = try ControllerProcess(extraEnvironment: ["POSTERNPROXY_TLS_LISTEN": "127.0.0.1:\(tlsPort)"])
        defer { controller.remove() }
        try await eventually("the HTTPS listener accepts connections") { HTTPProbe.canConnect(port: tlsPort) }
        let pin =
            try #require(try await controller.loggedIn().get("/api/admin-access").object["https"] as? [String: Any])[
                "public_key_pin"] as? String
        let login = try Self.pinnedLogin(port: tlsPort, pin: try #require(pin))
        #expect(login.exitStatus == 0)
        #expect(login.headers.hasPrefix("HTTP/1.1 200"))
        let cookies = login.headers.split(separator: "\r\n").filter { $0.lowercased().hasPrefix("set-cookie:") }
        #expect(cookies.count == 3)
        #expect(cookies.allSatisfy { $0.contains("Secure") })
        // Plain HTTP on the other listener still sets cookies a browser keeps there.
        let plain = try await APIClient(port: controller.port).post(
            "/api/auth/login", ["email": ControllerProcess.adminEmail, "password": ControllerProcess.adminPassword])
        #expect(!(plain.headers["set-cookie"] ?? "").contains("Secure"))
    }

    @Test func theAdminsFilesAreServedAndReloadedWithoutARestart() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let first = try TestCertificates.selfSigned("first", for: ["admin.example.test", "127.0.0.1"], in: folder.path)
        let second = try TestCertificates.selfSigned("second", for: ["admin.example.test"], in: folder.path)
        let live = (certificate: folder.file("live.pem"), key: folder.file("live.key"))
        try FileManager.default.copyItem(atPath: first.certificate, toPath: live.certificate)
        try FileManager.default.copyItem(atPath: first.key, toPath: live.key)
        let tlsPort = try FreePort.next()
        let controller = try ControllerProcess(extraEnvironment: [
            "POSTERNPROXY_TLS_LISTEN": "127.0.0.1:\(tlsPort)", "POSTERNPROXY_TLS_CERT": live.certificate, "POSTERNPROXY_TLS_KEY": live.key,
            "POSTERNPROXY_TLS_RELOAD_SECONDS": "1",
        ])
        defer { controller.remove() }
        try await eventually("the HTTPS listener accepts connections") { HTTPProbe.canConnect(port: tlsPort) }
        #expect(!controller.output.contains("INITIAL SETUP"))
        let admin = try await controller.loggedIn()
        func https() async throws -> [String: Any] { try await admin.get("/api/admin-access").object["https"] as? [String: Any] ?? [:] }
        let original = try Self.servedFingerprint(port: tlsPort)
        #expect(try await https()["sha256_fingerprint"] as? String == original)
        #expect(try await https()["source"] as? String == "files")

        // A renewed certificate is served within the reload interval, with no restart.
        try replace(live.key, with: second.key)
        try replace(live.certificate, with: second.certificate)
        try await eventually("the renewed certificate is served") { try Self.servedFingerprint(port: tlsPort) != original }
        let renewed = try Self.servedFingerprint(port: tlsPort)
        #expect(try await https()["sha256_fingerprint"] as? String == renewed)

        // Bad files are refused naming the variable; the renewed certificate stays.
        for (certificate, key, field) in [
            ("not a certificate", try String(contentsOfFile: second.key, encoding: .utf8), "POSTERNPROXY_TLS_CERT"),
            (
                try String(contentsOfFile: second.certificate, encoding: .utf8), try String(contentsOfFile: first.key, encoding: .utf8),
                "POSTERNPROXY_TLS_KEY"
            ),
            (
                try String(contentsOfFile: second.certificate, encoding: .utf8), "-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n",
                "POSTERNPROXY_TLS_KEY"
            ),
        ] {
            try certificate.write(toFile: live.certificate, atomically: true, encoding: .utf8)
            try key.write(toFile: live.key, atomically: true, encoding: .utf8)
            try await eventually("the refusal of \(field) is reported") {
                ((try await https()["reload_error"] as? [String: Any])?["field"] as? String) == field
            }
            #expect(try Self.servedFingerprint(port: tlsPort) == renewed)
            #expect(try await admin.get("/api/auth/me").status == 200)
        }
        #expect(controller.output.contains("admin TLS certificate files refused"))
    }

    @Test func sigtermStopsTheControllerWithItsHTTPSListener() async throws {
        let tlsPort = try FreePort.next()
        let controller = try ControllerProcess(extraEnvironment: ["POSTERNPROXY_TLS_LISTEN": "127.0.0.1:\(tlsPort)"])
        defer { controller.remove() }
        try await eventually("the HTTPS listener accepts connections") { HTTPProbe.canConnect(port: tlsPort) }
        #expect(controller.terminate(within: 10))
        #expect(!HTTPProbe.canConnect(port: tlsPort))
    }

    @Test func unusableTLSSettingsStopTheStartNamingTheVariable() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let good = try TestCertificates.selfSigned("good", for: ["admin.example.test"], in: folder.path)
        let other = try TestCertificates.selfSigned("other", for: ["admin.example.test"], in: folder.path)
        _ = try folder.write("garbage.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
        let port = try FreePort.next(), tlsPort = try FreePort.next()
        let cases: [([String], String)] = [
            (
                [
                    "POSTERNPROXY_TLS_LISTEN=127.0.0.1:\(tlsPort)", "POSTERNPROXY_TLS_CERT=\(folder.file("garbage.pem"))",
                    "POSTERNPROXY_TLS_KEY=\(good.key)",
                ], "POSTERNPROXY_TLS_CERT"
            ),
            (
                ["POSTERNPROXY_TLS_LISTEN=127.0.0.1:\(tlsPort)", "POSTERNPROXY_TLS_CERT=\(good.certificate)", "POSTERNPROXY_TLS_KEY=\(other.key)"],
                "POSTERNPROXY_TLS_KEY"
            ),
            (["POSTERNPROXY_TLS_LISTEN=127.0.0.1:\(tlsPort)", "POSTERNPROXY_TLS_CERT=\(good.certificate)"], "POSTERNPROXY_TLS_KEY"),
            (
                [
                    "POSTERNPROXY_TLS_LISTEN=127.0.0.1:\(tlsPort)", "POSTERNPROXY_TLS_CERT=\(folder.file("missing.pem"))",
                    "POSTERNPROXY_TLS_KEY=\(good.key)",
                ], "POSTERNPROXY_TLS_CERT"
            ),
            (
                [
                    "POSTERNPROXY_TLS_LISTEN=127.0.0.1:\(tlsPort)", "POSTERNPROXY_TLS_CERT=\(good.certificate)",
                    "POSTERNPROXY_TLS_KEY=\(folder.file("missing.key"))",
                ], "POSTERNPROXY_TLS_KEY"
            ),
            (["POSTERNPROXY_TLS_CERT=\(good.certificate)", "POSTERNPROXY_TLS_KEY=\(good.key)"], "POSTERNPROXY_TLS_LISTEN"),
            (["POSTERNPROXY_TLS_LISTEN=nonsense"], "POSTERNPROXY_TLS_LISTEN"),
            (["POSTERNPROXY_TLS_LISTEN=127.0.0.1:\(port)"], "POSTERNPROXY_TLS_LISTEN"),
        ]
        for (environment, variable) in cases {
            let result = try LocalTarget().run(
                TargetCommand(
                    argv: [
                        "env", "POSTERNPROXY_DATA_DIR=\(folder.file("data"))", "POSTERNPROXY_LISTEN=127.0.0.1:\(port)",
                        "POSTERNPROXY_APPLY_PIPELINE=",
                    ] + environment + [TestEnvironment.commandPath, "serve"],
                    timeout: .seconds(30)), onLine: { _ in }, isCancelled: { false })
            #expect(result.exitStatus != 0, "\(environment)")
            #expect(
                String(decoding: result.standardError, as: UTF8.self).contains(variable),
                "\(environment): \(String(decoding: result.standardError, as: UTF8.self))")
        }
    }

    private func replace(_ path: String, with source: String) throws {
        try String(contentsOfFile: source, encoding: .utf8).write(toFile: path, atomically: true, encoding: .utf8)
    }
}
