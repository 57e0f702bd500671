import Foundation
import Host
import Testing
import TestSupport

/// "Serve this admin at https://DOMAIN": the controller's own Caddy serves the admin at a domain
/// with a certificate from a real ACME CA (Pebble), proxying to the controller, which then
/// trusts that Caddy's forwarding headers; plain HTTP on the admin port can redirect there.
@Suite(.serialized) struct AdminDomainTests {
    struct Setup {
        let folder: TemporaryFolder
        let controller: ControllerProcess
        let pebble: PebbleCA
        let pebbleRoot: String
        let admin: APIClient
        let httpsPort: Int

        func remove() {
            controller.remove()
            pebble.stop()
            folder.remove()
        }

        /// curl to `https://admin.test:<port><path>`, resolved to `address` and verified against Pebble's root.
        func viaDomain(_ path: String, address: String = "127.0.0.1", extra: [String] = []) throws -> (status: Int32, output: String) {
            let result = try LocalTarget().run(
                TargetCommand(
                    argv: [
                        "curl", "-sS", "--resolve", "admin.test:\(httpsPort):\(address)", "--cacert", pebbleRoot,
                        "-D", "-", "-o", "/dev/null",
                    ] + extra + ["https://admin.test:\(httpsPort)\(path)"],
                    timeout: .seconds(20)), onLine: { _ in }, isCancelled: { false })
            return (result.exitStatus, String(decoding: result.standardOutput, as: UTF8.self) + String(decoding: result.standardError, as: UTF8.self))
        }
    }

    static func setUp(listen: String? = nil) async throws -> Setup {
        let folder = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.file("plugins"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: try TestEnvironment.builtPlugin("PosternProxyCaddyL4"), toPath: folder.file("plugins/libPosternProxyCaddyL4.so"))
        let httpPort = try FreePort.next(), httpsPort = try FreePort.next(), port = try FreePort.next()
        let pebble = try PebbleCA(in: folder.path, httpPort: httpPort, tlsPort: httpsPort)
        let controller = try ControllerProcess(
            extraEnvironment: [
                "POSTERNPROXY_LISTEN": listen ?? "127.0.0.1:\(port)", "POSTERNPROXY_APPLY_PIPELINE": "posternproxy.caddy",
                "POSTERNPROXY_PLUGINS_DIR": folder.file("plugins"),
                "POSTERNPROXY_HTTP_PORT": String(httpPort), "POSTERNPROXY_HTTPS_PORT": String(httpsPort),
                "POSTERNPROXY_ACME_CA_ROOTS": pebble.serverCertificate,
            ], port: port)
        let admin = try await APIClient.loggedIn(port: port)
        #expect(try await admin.put("/api/settings/acme_directory", ["value": pebble.directory]).status == 200)
        #expect(try await admin.put("/api/settings/acme_email", ["value": "admin@example.test"]).status == 200)
        return Setup(
            folder: folder, controller: controller, pebble: pebble, pebbleRoot: try pebble.rootCertificate(), admin: admin, httpsPort: httpsPort)
    }

    @Test func theAdminIsServedAtItsDomainWithAnACMECertificate() async throws {
        let setup = try await Self.setUp()
        defer { setup.remove() }
        #expect(try await setup.admin.get("/api/admin-access").object["domain"] is NSNull)
        let set = try await setup.admin.put("/api/settings/admin_domain", ["value": "Admin.Test"])
        #expect(set.status == 200 && set.object["value"] as? String == "admin.test")
        try await eventually("the admin answers at https://admin.test with Pebble's certificate", seconds: 60) {
            try setup.viaDomain("/api/openapi.json").output.hasPrefix("HTTP/1.1 200")
                || setup.viaDomain("/api/openapi.json").output.hasPrefix("HTTP/2 200")
        }
        let login = try setup.viaDomain(
            "/api/auth/login",
            extra: [
                "-H", "Content-Type: application/json", "-H", "X-Forwarded-For: 198.51.100.66",
                "--data", #"{"email": "\#(ControllerProcess.adminEmail)", "password": "\#(ControllerProcess.adminPassword)"}"#,
            ])
        #expect(login.status == 0)
        let cookies = login.output.split(separator: "\r\n").filter { $0.lowercased().hasPrefix("set-cookie:") }
        #expect(cookies.count == 3 && cookies.allSatisfy { $0.contains("Secure") }, "\(login.output)")
        // Caddy replaced the client's forged hop with the address it saw.
        let audit = try await setup.admin.get("/api/audit-log?action=login").items
        #expect(!audit.contains { $0["client_ip"] as? String == "198.51.100.66" })
        let access = try await setup.admin.get("/api/admin-access").object
        #expect((access["domain"] as? [String: Any])?["url"] as? String == "https://admin.test:\(setup.httpsPort)/")
        #expect((access["trusted_proxies"] as? [String]) == ["127.0.0.1", "::1"])
        // The local server's resources are untouched, and no host may take the domain.
        #expect(try await setup.admin.get("/api/proxy-hosts").object["total"] as? Int == 0)
        let clash = try await setup.admin.post("/api/proxy-hosts", ["domain_names": ["admin.test"], "forward_host": "192.0.2.1", "forward_port": 80])
        #expect(clash.status == 409 && clash.errorField == "domain_names")

        // Plain HTTP on the admin port now sends browsers there; the API (agents, scripts) stays.
        #expect(try await setup.admin.put("/api/settings/admin_http_redirect", ["value": "true"]).status == 200)
        func plain(_ method: String, _ path: String) throws -> String {
            // curl, which does not follow the redirect as URLSession would
            let result = try LocalTarget().run(
                TargetCommand(argv: [
                    "curl", "-sS", "-D", "-", "-o", "/dev/null", "-X", method,
                    "http://127.0.0.1:\(setup.controller.port)\(path)",
                ]), onLine: { _ in }, isCancelled: { false })
            return String(decoding: result.standardOutput, as: UTF8.self).lowercased()
        }
        let page = try plain("GET", "/?next=%2Fsettings")
        #expect(page.hasPrefix("http/1.1 308"), "\(page)")
        #expect(page.contains("location: https://admin.test:\(setup.httpsPort)/?next=%2fsettings\r\n"), "\(page)")
        #expect(try plain("GET", "/js/app.js").hasPrefix("http/1.1 308"))
        #expect(try plain("GET", "/api/openapi.json").hasPrefix("http/1.1 200"))
        #expect(try plain("POST", "/api/auth/login").hasPrefix("http/1.1 400"))
        #expect(try await APIClient(port: setup.controller.port).get("/api/agent/ws").status == 401)
        #expect(try setup.viaDomain("/").output.contains(" 200"))

        // Turned off: Caddy drops the site and loopback is no longer a trusted proxy.
        #expect(try await setup.admin.put("/api/settings/admin_http_redirect", ["value": "false"]).status == 200)
        #expect(try await setup.admin.put("/api/settings/admin_domain", ["value": ""]).status == 200)
        try await eventually("the domain is no longer served") { !(try setup.viaDomain("/api/openapi.json").output.contains(" 200")) }
        #expect((try await setup.admin.get("/api/admin-access").object["trusted_proxies"] as? [String]) == [])
    }

    @Test func aBrowserOnAnotherMachineLogsInAtTheAdminDomain() async throws {
        let desk = try LinkedNamespace(prefix: "ppdom", network: "10.62")
        defer { desk.remove() }
        let setup = try await Self.setUp()
        defer { setup.remove() }
        #expect(try await setup.admin.put("/api/settings/admin_domain", ["value": "admin.test"]).status == 200)
        try await eventually("the admin answers at https://admin.test", seconds: 60) {
            try setup.viaDomain("/api/openapi.json", address: desk.hostAddress).output.contains(" 200")
        }
        // The key of the certificate Caddy got from Pebble, which the browser is told to trust.
        let script = """
            import base64, hashlib, socket, ssl, sys
            from cryptography import x509
            from cryptography.hazmat.primitives import serialization
            context = ssl.create_default_context(cafile=sys.argv[3])
            with socket.create_connection((sys.argv[1], int(sys.argv[2]))) as raw, context.wrap_socket(raw, server_hostname="admin.test") as tls:
                key = x509.load_der_x509_certificate(tls.getpeercert(binary_form=True)).public_key()
            spki = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
            print(base64.b64encode(hashlib.sha256(spki).digest()).decode())
            """
        let pinned = try LocalTarget().run(
            TargetCommand(argv: ["python3", "-c", script, desk.hostAddress, String(setup.httpsPort), setup.pebbleRoot]),
            onLine: { _ in }, isCancelled: { false })
        let pin = String(decoding: pinned.standardOutput, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(pinned.exitStatus == 0 && !pin.isEmpty, "\(String(decoding: pinned.standardError, as: UTF8.self))")
        let screenshots = "\(TestEnvironment.packageRoot)/.build/ui-screenshots"
        try FileManager.default.createDirectory(atPath: screenshots, withIntermediateDirectories: true)
        let settings: [String: Any] = [
            "url": "https://admin.test:\(setup.httpsPort)", "address": desk.hostAddress, "pin": pin,
            "email": ControllerProcess.adminEmail, "password": ControllerProcess.adminPassword,
            "screenshots": screenshots, "browser_address": desk.address,
        ]
        let browser = try await BrowserScript.run("admin_domain.py", in: desk, settings: settings, timeout: .seconds(120))
        let output = browser.output
        #expect(browser.exitStatus == 0, "\(output)\n\(browser.errors)")
        for check in [
            "logged in at the admin domain with Secure cookies", "Settings shows the domain, an encrypted connection and the browser's own address",
            "no script errors",
        ] {
            #expect(output.contains("ok \(check)"), "missing: \(check)")
        }
        let logins = try await setup.admin.get("/api/audit-log?action=login").items
        #expect(logins.contains { $0["client_ip"] as? String == desk.address })
    }

    @Test func badAdminDomainsAreRefusedAndNothingChanges() async throws {
        let setup = try await Self.setUp()
        defer { setup.remove() }
        let local = try #require(try await setup.admin.get("/api/servers").items.first { $0["is_local"] as? Bool == true })
        let revision = local["desired_revision"] as? Int
        for hostile in [
            "*.admin.test", "{env.HOME}", "admin test", "admin.test/path", "https://admin.test", String(repeating: "a", count: 300) + ".test",
        ] {
            let answer = try await setup.admin.put("/api/settings/admin_domain", ["value": hostile])
            #expect(answer.status == 400 && answer.errorField == "value", "\(hostile)")
        }
        #expect(try await setup.admin.put("/api/settings/admin_http_redirect", ["value": "yes"]).errorField == "value")
        #expect(
            try await setup.admin.post("/api/proxy-hosts", ["domain_names": ["taken.test"], "forward_host": "192.0.2.1", "forward_port": 80]).status
                == 201)
        let taken = try await setup.admin.put("/api/settings/admin_domain", ["value": "taken.test"])
        #expect(taken.status == 409 && taken.errorField == "value")
        let settings = try await setup.admin.get("/api/settings").items
        #expect(settings.first { $0["key"] as? String == "admin_domain" }?["value"] as? String == "")
        let after = try #require(try await setup.admin.get("/api/servers").items.first { $0["is_local"] as? Bool == true })
        #expect(after["desired_revision"] as? Int == (revision ?? 0) + 1)  // the proxy host only
    }

    @Test func aControllerWithoutALocalCaddyRefusesADomain() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let admin = try await controller.loggedIn()
        let refused = try await admin.put("/api/settings/admin_domain", ["value": "admin.test"])
        #expect(refused.status == 409 && refused.errorField == "value")
    }
}
