import Foundation
import Host
import Testing
import TestSupport

/// Importing an Nginx Proxy Manager installation from its data folder (Tests/NPM/npm_installation.py
/// builds one from NPM's own migrations, with hosts of every kind and option, an access list,
/// certificates laid out as NPM and certbot keep them, and hostile rows): a dry run reports
/// without storing, the import serves every host through a real Caddy as NPM would have served
/// it, NPM's users keep their passwords, a second import creates nothing, and an import killed
/// half-way leaves nothing of itself.
@Suite(.serialized) struct NPMImportTests {
    struct Setup {
        let dataPlane: LocalDataPlane
        let client: APIClient
        let app: TestUpstream
        let second: TestUpstream
        let data: String

        var controller: ControllerProcess { dataPlane.controller }

        init(moreHosts: Int = 0) async throws {
            dataPlane = try LocalDataPlane()
            let folder = dataPlane.controller.folder
            app = try TestUpstream("app", in: folder.path)
            second = try TestUpstream("second", in: folder.path)
            data = folder.file("npm-data")
            let argv = [
                "python3", "\(TestEnvironment.packageRoot)/Tests/NPM/npm_installation.py", data, String(app.port), String(second.port),
                String(moreHosts),
            ]
            let built = try await offThePool { try LocalTarget().run(TargetCommand(argv: argv), onLine: { _ in }, isCancelled: { false }) }
            #expect(built.exitStatus == 0, "\(String(decoding: built.standardError, as: UTF8.self))")
            client = try await dataPlane.controller.loggedIn()
        }

        func get(_ host: String, _ path: String = "/", user: String? = nil) throws -> HTTPProbe.Answer {
            try HTTPProbe.request(path, host: host, port: dataPlane.httpPort, user: user)
        }

        func remove() {
            app.stop()
            second.stop()
            dataPlane.controller.remove()
        }
    }

    /// The report's item for `kind` and NPM id `id`.
    private func item(_ report: [String: Any], _ kind: String, _ id: Int) -> [String: Any] {
        (report["items"] as? [[String: Any]] ?? []).first { $0["kind"] as? String == kind && $0["npm_id"] as? Int == id } ?? [:]
    }

    private func total(_ client: APIClient, _ path: String) async throws -> Int {
        try await client.get(path).object["total"] as? Int ?? -1
    }

    @Test func aDryRunReportsAndTheImportServesEveryHostAsNPMDid() async throws {
        let setup = try await Setup()
        defer { setup.remove() }
        let client = setup.client

        let dryRun = try await client.post("/api/import/npm", ["data_folder": setup.data])
        #expect(dryRun.status == 200, "\(String(decoding: dryRun.body, as: UTF8.self))")
        let planned = dryRun.object
        #expect(planned["dry_run"] as? Bool == true)
        let expected: [(String, Int, String)] = [
            ("user", 1, "create"), ("user", 2, "create"), ("user", 4, "refused"), ("user", 5, "create"), ("user", 6, "refused"),
            ("certificate", 1, "create"), ("certificate", 2, "create"),
            ("certificate", 3, "refused"), ("access_list", 1, "create"), ("proxy_host", 1, "create"), ("proxy_host", 2, "create"),
            ("proxy_host", 3, "create"), ("proxy_host", 4, "create"), ("proxy_host", 5, "create_disabled"), ("proxy_host", 6, "refused"),
            ("proxy_host", 7, "refused"), ("proxy_host", 9, "refused"), ("proxy_host", 10, "refused"), ("proxy_host", 11, "create"),
            ("redirection_host", 1, "create"), ("dead_host", 1, "create"), ("stream_host", 1, "create"), ("stream_host", 2, "refused"),
        ]
        for (kind, id, action) in expected {
            #expect(item(planned, kind, id)["action"] as? String == action, "\(kind) \(id): \(item(planned, kind, id))")
        }
        #expect(item(planned, "proxy_host", 8).isEmpty, "a host NPM deleted is not imported")
        #expect(item(planned, "user", 3).isEmpty, "a user NPM deleted is not imported")
        // Each refusal and change says why.
        let custom = item(planned, "proxy_host", 5)
        let change = (custom["changes"] as? [[String: Any]])?.first
        #expect(change?["field"] as? String == "advanced_config")
        #expect((change?["detail"] as? String)?.contains("location /x {\n    return 418;\n}") == true, "the nginx text verbatim: \(custom)")
        #expect((item(planned, "proxy_host", 6)["reason"] as? String)?.contains("domain_names") == true)
        #expect((item(planned, "proxy_host", 7)["reason"] as? String)?.contains("forward_host") == true)
        #expect((item(planned, "proxy_host", 10)["reason"] as? String)?.contains("certificate 3 is not imported") == true)
        #expect((item(planned, "certificate", 3)["reason"] as? String)?.contains("link leading out") == true)
        #expect((item(planned, "stream_host", 2)["reason"] as? String)?.contains("layer4") == true)
        #expect((item(planned, "user", 4)["reason"] as? String)?.contains("email") == true)
        #expect((item(planned, "user", 6)["reason"] as? String)?.contains("two-factor") == true, "no account loses its second factor")
        #expect((item(planned, "user", 5)["note"] as? String)?.contains("backup codes") == true)
        #expect(
            (item(planned, "certificate", 2)["note"] as? String)?.contains("Caddy takes over its renewal") == true,
            "certbot's certificate says who renews it")
        // A dry run stores nothing.
        #expect(try await total(client, "/api/proxy-hosts") == 0)
        #expect(try await total(client, "/api/certificates") == 0)
        #expect(try await total(client, "/api/users") == 1)

        let imported = try await client.post("/api/import/npm", ["data_folder": setup.data, "confirm": true])
        #expect(imported.status == 200, "\(String(decoding: imported.body, as: UTF8.self))")
        let done = imported.object
        for (kind, id, action) in expected {
            #expect(item(done, kind, id)["action"] as? String == action, "\(kind) \(id): \(item(done, kind, id))")
        }
        #expect(try await total(client, "/api/proxy-hosts") == 6)

        // Served through Caddy as NPM served it.
        try await eventually("the imported hosts serve") { try setup.get("app.npm.test").upstream == "app" }
        #expect(try setup.get("www.app.npm.test").upstream == "app")
        let location = try setup.get("app.npm.test", "/api/users?x=1")
        #expect(location.upstream == "second" && location.json?["path"] as? String == "/v1/users?x=1", "\(location.body)")
        #expect(try setup.get("staff.npm.test").status == 401)
        #expect(try setup.get("staff.npm.test", user: "alice:alice npm password").upstream == "app")
        #expect(try setup.get("staff.npm.test", user: "alice:wrong").status == 401)
        let forced = try setup.get("secure.npm.test", "/page")
        #expect([301, 308].contains(forced.status) && forced.headers["location"]?.hasPrefix("https://secure.npm.test") == true)
        let secure = try HTTPProbe.request(
            "/", host: "secure.npm.test", port: setup.dataPlane.httpsPort, https: true,
            caCertificate: "\(setup.data)/custom_ssl/npm-1/fullchain.pem")
        #expect(secure.status == 200 && secure.upstream == "app", "the imported certificate is presented and trusted")
        #expect(secure.headers["strict-transport-security"]?.contains("max-age=") == true)
        let letsEncrypt = try HTTPProbe.request(
            "/", host: "le.npm.test", port: setup.dataPlane.httpsPort, https: true,
            caCertificate: "\(setup.data)/letsencrypt/archive/npm-2/fullchain1.pem")
        #expect(letsEncrypt.upstream == "app", "certbot's certificate is presented")
        let certbot = try await client.get("/api/certificates/\(item(done, "certificate", 2)["resource_id"] as? Int ?? 0)").object
        #expect(certbot["renew_with_acme"] as? Bool == true && certbot["acme_renewal_from"] is String, "Caddy renews it later: \(certbot)")
        let redirect = try setup.get("old.npm.test", "/a?b=c")
        #expect(redirect.status == 301 && redirect.headers["location"] == "https://new.npm.test/archive/a?b=c")
        #expect(try setup.get("gone.npm.test").status == 404)
        #expect(try setup.get("custom.npm.test").upstream == nil, "the host whose nginx config did not carry over is disabled")
        #expect(try setup.get("off.npm.test").upstream == nil, "a host disabled in NPM stays disabled")

        // NPM's users sign in with their NPM passwords (NPM's bcrypt hashes, cost 13).
        let admin = try await APIClient(port: setup.controller.port).post(
            "/api/auth/login", ["email": "admin@npm.test", "password": "admin@npm.test npm password"])
        #expect(admin.status == 200 && (admin.object["user"] as? [String: Any])?["role"] as? String == "admin")
        let editor = try await APIClient(port: setup.controller.port).post(
            "/npm/api/tokens", ["identity": "editor@npm.test", "secret": "editor@npm.test npm password"])
        #expect(editor.status == 200)
        // Two-factor login carried over: the password alone is not enough, the authenticator's code is.
        let passwordOnly = try await APIClient(port: setup.controller.port).post(
            "/api/auth/login", ["email": "twofactor@npm.test", "password": "twofactor@npm.test npm password"])
        #expect(passwordOnly.status == 401 && passwordOnly.errorCode == "two_factor_required")
        let withCode = try await APIClient(port: setup.controller.port).post(
            "/api/auth/login",
            ["email": "twofactor@npm.test", "password": "twofactor@npm.test npm password", "totp_code": try TwoFactorTests.code("JBSWY3DPEHPK3PXP")])
        #expect(withCode.status == 200, "\(String(decoding: withCode.body, as: UTF8.self))")
        // NPM's backup codes carried over: one works once (NPM compares them upper-cased).
        func withBackupCode() async throws -> Int {
            try await APIClient(port: setup.controller.port).post(
                "/api/auth/login", ["email": "twofactor@npm.test", "password": "twofactor@npm.test npm password", "backup_code": "a1b2c3d4"]
            ).status
        }
        #expect(try await withBackupCode() == 200, "NPM's backup code signs in")
        #expect(try await withBackupCode() == 401, "a backup code is used up")

        // Importing again creates nothing.
        let again = try await client.post("/api/import/npm", ["data_folder": setup.data, "confirm": true]).object
        let summary = again["summary"] as? [String: Any] ?? [:]
        #expect(summary["create"] as? Int == 0 && summary["create_disabled"] as? Int == 0, "\(summary)")
        #expect(item(again, "proxy_host", 5)["action"] as? String == "exists")
        #expect(try await total(client, "/api/proxy-hosts") == 6)
        #expect(try await total(client, "/api/certificates") == 2)
        #expect(try await total(client, "/api/access-lists") == 1)

        let audit = (try await client.get("/api/audit-log?action=npm_import").object["items"] as? [[String: Any]]) ?? []
        #expect(audit.count == 2, "each confirmed import is in the audit log")
    }

    @Test func aFolderThatIsNotAnNPMInstallationIsRefusedNamingTheField() async throws {
        let setup = try await Setup()
        defer { setup.remove() }
        for folder in ["/nonexistent/npm", setup.controller.folder.file("plugins"), "\(setup.data)/database.sqlite"] {
            let answer = try await setup.client.post("/api/import/npm", ["data_folder": folder, "confirm": true])
            #expect(answer.status == 400 && answer.errorField == "data_folder", "\(folder): \(String(decoding: answer.body, as: UTF8.self))")
        }
        let viewer = try await setup.client.post(
            "/api/users", ["email": "viewer@example.test", "name": "Viewer", "password": "viewer password 1", "role": "viewer"])
        #expect(viewer.status == 201)
        let asViewer = try await setup.controller.loggedIn(email: "viewer@example.test", password: "viewer password 1")
        #expect(try await asViewer.post("/api/import/npm", ["data_folder": setup.data]).status == 403)
    }

    /// `posternproxy npm-import` with an admin's API token: the dry run's report line by line,
    /// then the import.
    @Test func theCommandReportsThenImports() async throws {
        let setup = try await Setup()
        defer { setup.remove() }
        let token = try #require(try await setup.client.post("/api/tokens", ["name": "npm import"]).object["token"] as? String)
        func command(_ arguments: [String], token: String?) async throws -> (status: Int32, output: String, error: String) {
            let argv =
                ["/usr/bin/env", "-u", "POSTERNPROXY_TOKEN"] + (token.map { ["POSTERNPROXY_TOKEN=\($0)"] } ?? [])
                + [TestEnvironment.commandPath, "npm-import", setup.data, "--controller", "http://127.0.0.1:\(setup.controller.port)"] + arguments
            let result = try await offThePool {
                try LocalTarget().run(TargetCommand(argv: argv), onLine: { _ in }, isCancelled: { false })
            }
            return (result.exitStatus, String(decoding: result.standardOutput, as: UTF8.self), String(decoding: result.standardError, as: UTF8.self))
        }
        let dryRun = try await command([], token: token)
        #expect(dryRun.status == 0, "\(dryRun.error)")
        #expect(dryRun.output.contains("create           proxy_host 1  app.npm.test, www.app.npm.test"), "\(dryRun.output)")
        #expect(dryRun.output.contains("create_disabled  proxy_host 5  custom.npm.test"))
        #expect(dryRun.output.contains("      return 418;"), "the nginx text is shown as it was")
        #expect(dryRun.output.contains("create           stream_host 1  port 24001"), "a stream without layer4 is carried by iptables")
        #expect(dryRun.output.contains("refused          stream_host 2  port 24002"))
        #expect(dryRun.output.contains("dry run (nothing stored"))
        #expect(try await total(setup.client, "/api/proxy-hosts") == 0)
        let imported = try await command(["--confirm"], token: token)
        #expect(
            imported.status == 0 && imported.output.contains("imported: 14 created, 1 created disabled, 0 already here, 8 refused"),
            "\(imported.output)")
        #expect(try await total(setup.client, "/api/proxy-hosts") == 6)
        let withoutToken = try await command([], token: nil)
        #expect(withoutToken.status != 0 && withoutToken.error.contains("POSTERNPROXY_TOKEN"))
        let wrongFolderArguments = [
            "/usr/bin/env", "POSTERNPROXY_TOKEN=\(token)", TestEnvironment.commandPath, "npm-import", "/nonexistent", "--controller",
            "http://127.0.0.1:\(setup.controller.port)",
        ]
        let wrongFolder = try await offThePool {
            try LocalTarget().run(TargetCommand(argv: wrongFolderArguments), onLine: { _ in }, isCancelled: { false })
        }
        #expect(wrongFolder.exitStatus != 0 && String(decoding: wrongFolder.standardError, as: UTF8.self).contains("data_folder"))
    }

    /// The controller killed (SIGKILL) while it imports an installation with 150 hosts and an access
    /// list of 150 users to hash: after a restart, either everything is there or nothing is.
    @Test func anImportKilledHalfWayLeavesNothingOfItself() async throws {
        let setup = try await Setup(moreHosts: 150)
        defer { setup.remove() }
        let client = setup.client
        let data = setup.data
        let request = Task { try? await client.post("/api/import/npm", ["data_folder": data, "confirm": true]).status }
        try await Task.sleep(for: .milliseconds(1500))
        let pid = try #require(setup.controller.pid)
        kill(pid, SIGKILL)
        let status = await request.value
        #expect(status != 200, "the import was still under way when it was killed")
        try setup.controller.restart()
        let after = try await setup.controller.loggedIn()
        let hosts = try await total(after, "/api/proxy-hosts"), lists = try await total(after, "/api/access-lists")
        #expect(hosts == 0 && lists == 0, "nothing half-imported: \(hosts) hosts, \(lists) access lists")
        let users = try await total(after, "/api/users")
        #expect(users == 1)
    }
}
