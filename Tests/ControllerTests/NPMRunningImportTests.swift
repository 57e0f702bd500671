import Foundation
import Host
import Testing
import TestSupport

/// Importing a running Nginx Proxy Manager through its own API, signed in as its admin
/// (Tests/NPM/npm_server.py answers NPM's API from the installation npm_installation.py builds,
/// each answer checked against NPM's published schema). What NPM's API withholds comes over
/// locked, never open: users without a usable password (but the admin who signed in), access
/// lists whose users nobody can pass yet, uploaded certificates awaiting their files with their
/// hosts disabled; certbot's certificates come over with their keys through NPM's download.
@Suite(.serialized) struct NPMRunningImportTests {
    private let admin = ["email": "admin@npm.test", "password": "admin@npm.test npm password"]

    private func item(_ report: [String: Any], _ kind: String, _ id: Int) -> [String: Any] {
        (report["items"] as? [[String: Any]] ?? []).first { $0["kind"] as? String == kind && $0["npm_id"] as? Int == id } ?? [:]
    }

    private func total(_ client: APIClient, _ path: String) async throws -> Int {
        try await client.get(path).object["total"] as? Int ?? -1
    }

    @Test func aRunningNPMIsImportedThroughItsAPIWithWhatItWithholdsLocked() async throws {
        let setup = try await NPMImportTests.Setup()
        let npm = try RunningNPM(data: setup.data, in: setup.controller.folder.path)
        defer {
            npm.stop()
            setup.remove()
        }
        let client = setup.client
        var body: [String: Any] = admin
        body["url"] = npm.url + "/api/"

        let dryRun = try await client.post("/api/import/npm", body)
        #expect(dryRun.status == 200, "\(String(decoding: dryRun.body, as: UTF8.self))")
        let planned = dryRun.object
        let expected: [(String, Int, String)] = [
            ("user", 1, "create"), ("user", 2, "create"), ("user", 4, "refused"), ("user", 5, "create"), ("user", 6, "create"),
            ("certificate", 1, "create"), ("certificate", 2, "create"), ("certificate", 3, "create"), ("access_list", 1, "create"),
            ("proxy_host", 1, "create"), ("proxy_host", 2, "create"), ("proxy_host", 3, "create_disabled"), ("proxy_host", 4, "create"),
            ("proxy_host", 5, "create_disabled"), ("proxy_host", 6, "refused"), ("proxy_host", 7, "refused"), ("proxy_host", 9, "refused"),
            ("proxy_host", 10, "create_disabled"), ("proxy_host", 11, "create"), ("redirection_host", 1, "create"), ("dead_host", 1, "create"),
            ("stream_host", 1, "create"), ("stream_host", 2, "refused"),
        ]
        for (kind, id, action) in expected {
            #expect(item(planned, kind, id)["action"] as? String == action, "\(kind) \(id): \(item(planned, kind, id))")
        }
        #expect(item(planned, "user", 1)["note"] == nil, "the admin who signed in keeps the password given")
        #expect((item(planned, "user", 2)["note"] as? String)?.contains("set this user's password") == true)
        #expect((item(planned, "user", 5)["note"] as? String)?.contains("two-factor") == true)
        #expect((item(planned, "certificate", 1)["note"] as? String)?.contains("upload its files") == true)
        #expect((item(planned, "access_list", 1)["note"] as? String)?.contains("nobody passes its prompt") == true)
        let awaiting = (item(planned, "proxy_host", 3)["changes"] as? [[String: Any]])?.first
        #expect(awaiting?["field"] as? String == "certificate_id" && (awaiting?["detail"] as? String)?.contains("upload") == true)
        #expect(try await total(client, "/api/proxy-hosts") == 0, "a dry run stores nothing")
        #expect(try await total(client, "/api/users") == 1)

        body["confirm"] = true
        let imported = try await client.post("/api/import/npm", body)
        #expect(imported.status == 200, "\(String(decoding: imported.body, as: UTF8.self))")
        for (kind, id, action) in expected {
            #expect(item(imported.object, kind, id)["action"] as? String == action, "\(kind) \(id)")
        }

        // Served through Caddy; certbot's certificate came with its key through NPM's download.
        try await eventually("the imported hosts serve") { try setup.get("app.npm.test").upstream == "app" }
        let letsEncrypt = try HTTPProbe.request(
            "/", host: "le.npm.test", port: setup.dataPlane.httpsPort, https: true,
            caCertificate: "\(setup.data)/letsencrypt/archive/npm-2/fullchain1.pem")
        #expect(letsEncrypt.upstream == "app", "certbot's certificate is presented")
        // Locked, not open: the access list's users exist with passwords nobody knows.
        #expect(try setup.get("staff.npm.test").status == 401)
        #expect(try setup.get("staff.npm.test", user: "alice:alice npm password").status == 401)
        #expect(try setup.get("secure.npm.test").upstream == nil, "a host whose certificate awaits its files is disabled")

        // The admin who signed in keeps that password; any other user has none usable yet.
        let signIn = try await APIClient(port: setup.controller.port).post("/api/auth/login", admin)
        #expect(signIn.status == 200 && (signIn.object["user"] as? [String: Any])?["role"] as? String == "admin")
        let editor = try await APIClient(port: setup.controller.port).post(
            "/api/auth/login", ["email": "editor@npm.test", "password": "editor@npm.test npm password"])
        #expect(editor.status == 401)

        // Upload the certificate's files and enable its host: it serves with them.
        let certificateID = try #require(item(imported.object, "certificate", 1)["resource_id"] as? Int)
        let pem = try String(contentsOfFile: "\(setup.data)/custom_ssl/npm-1/fullchain.pem", encoding: .utf8)
        let key = try String(contentsOfFile: "\(setup.data)/custom_ssl/npm-1/privkey.pem", encoding: .utf8)
        let uploaded = try await client.put("/api/certificates/\(certificateID)", ["certificate": pem, "certificate_key": key])
        #expect(uploaded.status == 200, "\(String(decoding: uploaded.body, as: UTF8.self))")
        let hostID = try #require(item(imported.object, "proxy_host", 3)["resource_id"] as? Int)
        #expect(try await client.put("/api/proxy-hosts/\(hostID)", ["enabled": true]).status == 200)
        try await eventually("the host serves with its uploaded certificate") {
            try HTTPProbe.request(
                "/", host: "secure.npm.test", port: setup.dataPlane.httpsPort, https: true,
                caCertificate: "\(setup.data)/custom_ssl/npm-1/fullchain.pem"
            ).upstream == "app"
        }

        // Importing again creates nothing, the uploaded certificate included.
        let again = try await client.post("/api/import/npm", body).object
        let summary = again["summary"] as? [String: Any] ?? [:]
        #expect(summary["create"] as? Int == 0 && summary["create_disabled"] as? Int == 0, "\(summary)")
        #expect(item(again, "certificate", 1)["action"] as? String == "exists")
    }

    @Test func whatStopsAnImportFromARunningNPMNamesTheFieldAndStoresNothing() async throws {
        let setup = try await NPMImportTests.Setup()
        let npm = try RunningNPM(data: setup.data, in: setup.controller.folder.path)
        defer {
            npm.stop()
            setup.remove()
        }
        let cases: [([String: Any], String)] = [
            (["url": "ftp://127.0.0.1/", "email": "a@b.test", "password": "x"], "url"),
            (["url": "http://user:secret@127.0.0.1:1/", "email": "a@b.test", "password": "x"], "url"),
            (["url": "http://127.0.0.1:1", "email": "a@b.test", "password": "x"], "url"),
            (["url": "http://127.0.0.1:\(setup.controller.port)", "email": "a@b.test", "password": "x"], "password"),
            (["url": npm.url, "email": "admin@npm.test", "password": "wrong"], "password"),
            (["url": npm.url, "email": "admin@npm.test"], "password"),
            (["url": npm.url, "password": "x"], "email"),
            (["url": npm.url, "email": "twofactor@npm.test", "password": "twofactor@npm.test npm password"], "totp_code"),
            (["url": npm.url, "email": "twofactor@npm.test", "password": "twofactor@npm.test npm password", "totp_code": "000000"], "totp_code"),
            (["url": npm.url, "data_folder": setup.data, "email": "admin@npm.test", "password": "x"], "url"),
            ([:], "data_folder"),
        ]
        for (body, field) in cases {
            var request = body
            request["confirm"] = true
            let answer = try await setup.client.post("/api/import/npm", request)
            #expect(answer.status == 400 && answer.errorField == field, "\(body): \(String(decoding: answer.body, as: UTF8.self))")
        }
        #expect(try await total(setup.client, "/api/users") == 1)
        #expect(try await total(setup.client, "/api/certificates") == 0)

        // An NPM admin with two-factor login on gives the authenticator's code.
        let withCode = try await setup.client.post(
            "/api/import/npm",
            [
                "url": npm.url, "email": "twofactor@npm.test", "password": "twofactor@npm.test npm password",
                "totp_code": try TwoFactorTests.code("JBSWY3DPEHPK3PXP"),
            ])
        #expect(withCode.status == 200, "\(String(decoding: withCode.body, as: UTF8.self))")
        #expect(
            (item(withCode.object, "user", 5)["note"] as? String)?.contains("set this user's password") == true,
            "its secret is not given out, so the account does not come over usable without it")
    }

    /// `posternproxy npm-import --url URL --email EMAIL` with NPM's password in `NPM_PASSWORD`.
    @Test func theCommandImportsARunningNPM() async throws {
        let setup = try await NPMImportTests.Setup()
        let npm = try RunningNPM(data: setup.data, in: setup.controller.folder.path)
        defer {
            npm.stop()
            setup.remove()
        }
        let token = try #require(try await setup.client.post("/api/tokens", ["name": "npm import"]).object["token"] as? String)
        func command(_ arguments: [String], password: String?) async throws -> (status: Int32, output: String, error: String) {
            let argv =
                ["/usr/bin/env", "-u", "NPM_PASSWORD", "POSTERNPROXY_TOKEN=\(token)"] + (password.map { ["NPM_PASSWORD=\($0)"] } ?? [])
                + [TestEnvironment.commandPath, "npm-import", "--controller", "http://127.0.0.1:\(setup.controller.port)"] + arguments
            let result = try await offThePool { try LocalTarget().run(TargetCommand(argv: argv), onLine: { _ in }, isCancelled: { false }) }
            return (result.exitStatus, String(decoding: result.standardOutput, as: UTF8.self), String(decoding: result.standardError, as: UTF8.self))
        }
        let arguments = ["--url", npm.url, "--email", "admin@npm.test"]
        let dryRun = try await command(arguments, password: "admin@npm.test npm password")
        #expect(dryRun.status == 0, "\(dryRun.error)")
        #expect(dryRun.output.contains("create_disabled  proxy_host 3  secure.npm.test"), "\(dryRun.output)")
        #expect(dryRun.output.contains("note: NPM's API does not give out basic-auth passwords"))
        #expect(try await total(setup.client, "/api/proxy-hosts") == 0)
        let imported = try await command(arguments + ["--confirm"], password: "admin@npm.test npm password")
        #expect(imported.status == 0 && imported.output.contains("imported: "), "\(imported.output)\(imported.error)")
        #expect(try await total(setup.client, "/api/proxy-hosts") == 7)

        let noPassword = try await command(arguments, password: nil)
        #expect(noPassword.status != 0 && noPassword.error.contains("NPM_PASSWORD"), "\(noPassword.error)")
        let wrongPassword = try await command(arguments, password: "wrong")
        #expect(wrongPassword.status != 0 && wrongPassword.error.contains("password: NPM refused the sign-in"), "\(wrongPassword.error)")
        let both = try await command([setup.data] + arguments, password: "x")
        #expect(both.status != 0 && both.error.contains("not both"))
    }
}
