import Foundation
import Host
import Testing
import TestSupport

/// Backup and restore: a backup restored into a fresh data folder gives the same
/// resources; hostile or damaged archives change nothing.
@Suite(.serialized) struct BackupTests {
    private func listings(_ client: APIClient) async throws -> [String: [[String: String]]] {
        var result: [String: [[String: String]]] = [:]
        for path in ResourceSample.all.map(\.path) + ["servers", "users", "settings"] {
            result[path] = try await client.get("/api/\(path)").items.map { item in
                item.filter { !["apply_status", "desired_revision", "applied_revision", "status", "last_seen", "modified_on"].contains($0.key) }
                    .mapValues { describeValue($0) }
            }
        }
        return result
    }

    private func python(_ script: String, _ arguments: [String]) throws {
        let result = try LocalTarget().run(TargetCommand(argv: ["python3", "-c", script] + arguments), onLine: { _ in }, isCancelled: { false })
        #expect(result.exitStatus == 0, "\(String(decoding: result.standardError, as: UTF8.self))")
    }

    /// Writes to `destination` the backup archive `source` with `sql` run on its database.
    private func rewriteDatabase(_ source: String, _ destination: String, sql: String) throws {
        try python(
            """
            import sys, tarfile, io, sqlite3, tempfile, os
            src = tarfile.open(sys.argv[1]); d = tempfile.mkdtemp(); db = os.path.join(d, "db")
            open(db, "wb").write(src.extractfile("posternproxy.sqlite").read())
            c = sqlite3.connect(db); c.executescript(sys.argv[3]); c.commit(); c.close()
            out = tarfile.open(sys.argv[2], "w")
            for name in ["manifest.json", "posternproxy.sqlite"]:
                data = src.extractfile("manifest.json").read() if name == "manifest.json" else open(db, "rb").read()
                info = tarfile.TarInfo(name); info.size = len(data); out.addfile(info, io.BytesIO(data))
            out.close()
            """, [source, destination, sql])
    }

    @Test func aBackupRestoredIntoAFreshControllerGivesTheSameResources() async throws {
        let source = try ControllerProcess()
        defer { source.remove() }
        let client = try await source.loggedIn()
        for sample in ResourceSample.all {
            #expect(try await client.post("/api/\(sample.path)", ResourceSample.json(sample.create)).status == 201)
        }
        #expect(try await client.post("/api/servers", ["name": "edge", "hostname": "10.1.1.1"]).status == 201)
        #expect(
            try await client.post("/api/users", ["email": "ops@example.test", "name": "Ops", "password": "operations", "role": "viewer"]).status
                == 201)
        #expect(try await client.put("/api/settings/default_site", ["value": "444"]).status == 200)
        let expected = try await listings(client)
        let backup = try await client.get("/api/backup")
        #expect(backup.status == 200)
        #expect(backup.headers["content-type"] == "application/octet-stream")

        let target = try ControllerProcess(adminPassword: "another admin password")
        defer { target.remove() }
        let fresh = try await target.loggedIn(password: "another admin password")
        // A dry run says what the archive holds and replaces nothing.
        let preview = try await fresh.send("POST", "/api/restore?dry_run=true", raw: backup.body)
        #expect(preview.status == 200)
        #expect(preview.object["restored"] as? Bool == false)
        #expect(preview.object["users"] as? Int == 2)
        #expect(preview.object["remote_servers"] as? Int == 1)
        #expect((preview.object["resources"] as? [String: Any])?["proxy_host"] as? Int == 1, "\(preview.object)")
        #expect(try await fresh.get("/api/auth/me").status == 200, "a dry run ends no session")
        #expect(try await fresh.send("POST", "/api/restore?dry_run=maybe", raw: backup.body).errorField == "dry_run")
        #expect(try await fresh.send("POST", "/api/restore", raw: backup.body).status == 200)
        // The restored users replace the fresh ones: the source's admin logs in.
        #expect(try await fresh.get("/api/auth/me").status == 401)
        let restored = try await target.loggedIn()
        let after = try await listings(restored)
        for key in expected.keys.sorted() where after[key] != expected[key] {
            Issue.record("\(key) differs: \(after[key] ?? []) vs \(expected[key] ?? [])")
        }
        let revision = try await restored.get("/api/servers/1").object["desired_revision"] as? Int
        #expect(revision == (expected["servers"]?.first?["desired_revision"]).flatMap(Int.init) ?? revision)
        #expect(try await restored.get("/api/audit-log?action=restore").items.count == 1)
    }

    /// A restore that brings an admin domain puts it in force before it answers: plain-HTTP
    /// pages on the admin port are sent there at once, as after the setting is changed through
    /// the API.
    @Test func aRestoredAdminDomainIsInForceWhenTheRestoreAnswers() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        let folder = controller.folder
        try await client.get("/api/backup").body.write(to: URL(fileURLWithPath: folder.file("plain.tar")))
        try rewriteDatabase(
            folder.file("plain.tar"), folder.file("domain.tar"),
            sql: "INSERT OR REPLACE INTO settings (key, value) VALUES ('admin_domain', 'admin.restored.test'), ('admin_http_redirect', 'true')")
        // curl, which does not follow a redirect as URLSession would
        func page() throws -> String {
            let result = try LocalTarget().run(
                TargetCommand(argv: ["curl", "-sS", "-D", "-", "-o", "/dev/null", "http://127.0.0.1:\(controller.port)/"]),
                onLine: { _ in }, isCancelled: { false })
            return String(decoding: result.standardOutput, as: UTF8.self).lowercased()
        }
        #expect(try page().hasPrefix("http/1.1 200"))
        let restore = try await client.send("POST", "/api/restore", raw: try Data(contentsOf: URL(fileURLWithPath: folder.file("domain.tar"))))
        #expect(restore.status == 200, "\(String(decoding: restore.body, as: UTF8.self))")
        let redirected = try page()
        #expect(redirected.hasPrefix("http/1.1 308"), "\(redirected)")
        #expect(redirected.contains("location: https://admin.restored.test"), "\(redirected)")
    }

    /// The plugin catalog and the pipelines kept as data travel in a backup, plugin files with
    /// them; a file whose bytes are not its name's SHA-256 refuses the archive.
    @Test func theCatalogAndItsPipelinesComeBackWithTheirFiles() async throws {
        let source = try ControllerProcess()
        defer { source.remove() }
        let client = try await source.loggedIn()
        let build = try TemporaryFolder()
        defer { build.remove() }
        let plugin = build.file("libmotd.so")
        try CCompiler.compile([
            "-shared", "-fPIC", "-I", TestEnvironment.headerFolder, "-o", plugin, "\(TestEnvironment.packageRoot)/Examples/MotdPlugin/motd_plugin.c",
        ])
        let uploaded = try await client.send("POST", "/api/plugins", raw: try Data(contentsOf: URL(fileURLWithPath: plugin)))
        let sha256 = try #require(uploaded.object["sha256"] as? String, "\(uploaded.object)")
        let steps: [[String: Any]] = [["plugin": "com.example.motd", "config": ["text": "kept\n"]]]
        #expect(try await client.put("/api/pipelines/default/apply", ["steps": steps]).status == 200)
        let backup = try await client.get("/api/backup")
        #expect(backup.status == 200)

        let target = try ControllerProcess(adminPassword: "another admin password")
        defer { target.remove() }
        let fresh = try await target.loggedIn(password: "another admin password")
        #expect(try await fresh.send("POST", "/api/restore", raw: backup.body).status == 200)
        let restored = try await target.loggedIn()
        #expect(try await restored.get("/api/plugins").items.map { $0["sha256"] as? String } == [sha256])
        let pipeline = try await restored.get("/api/pipelines/default/apply").object["own"] as? [String: Any]
        #expect(((pipeline?["steps"] as? [[String: Any]])?.first?["sha256"] as? String) == sha256)
        #expect(FileManager.default.fileExists(atPath: target.folder.file("data/plugins/\(sha256).so")))

        // A plugin file whose bytes are not the SHA-256 it is named by is refused.
        try backup.body.write(to: URL(fileURLWithPath: build.file("good.tar")))
        try python(
            """
            import sys, tarfile, io
            src = tarfile.open(sys.argv[1]); out = tarfile.open(sys.argv[2], "w")
            for member in src.getmembers():
                data = src.extractfile(member).read()
                if member.name.startswith("plugins/"): data = data + b"tampered"
                info = tarfile.TarInfo(member.name); info.size = len(data); out.addfile(info, io.BytesIO(data))
            out.close()
            """, [build.file("good.tar"), build.file("tampered.tar")])
        let tampered = try await restored.send("POST", "/api/restore", raw: try Data(contentsOf: URL(fileURLWithPath: build.file("tampered.tar"))))
        #expect(tampered.status == 400 && (tampered.errorMessage ?? "").contains("does not have that SHA-256"), "\(tampered.object)")
    }

    @Test func hostileAndDamagedArchivesAreRefusedAndChangeNothing() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        #expect(try await client.post("/api/dead-hosts", ["domain_names": ["keep.test"]]).status == 201)
        let backup = try await client.get("/api/backup").body
        let before = try await listings(client)
        let folder = controller.folder
        try backup.write(to: URL(fileURLWithPath: folder.file("good.tar")))

        // An entry that climbs out of the folder, next to the real ones.
        try python(
            """
            import sys, tarfile, io
            src = tarfile.open(sys.argv[1]); out = tarfile.open(sys.argv[2], "w")
            for m in src.getmembers(): out.addfile(m, src.extractfile(m))
            evil = tarfile.TarInfo("../../etc/cron.d/evil"); data = b"* * * * * root id"; evil.size = len(data)
            out.addfile(evil, io.BytesIO(data)); out.close()
            """, [folder.file("good.tar"), folder.file("traversal.tar")])
        // A symbolic link.
        try python(
            """
            import sys, tarfile
            out = tarfile.open(sys.argv[1], "w"); link = tarfile.TarInfo("posternproxy.sqlite"); link.type = tarfile.SYMTYPE
            link.linkname = "/etc/shadow"; out.addfile(link); out.close()
            """, [folder.file("link.tar")])
        // A database whose resource breaks the validation rules.
        try rewriteDatabase(
            folder.file("good.tar"), folder.file("invalid.tar"), sql: #"UPDATE resources SET data = '{"domain_names": ["{env.HOME}.test"]}'"#)
        // A database with a webhook that leads to cloud metadata.
        try rewriteDatabase(
            folder.file("good.tar"), folder.file("webhook.tar"),
            sql: """
                INSERT INTO webhooks (name, url, format, events, allow_private_target, enabled, created_on)
                VALUES ('x', 'http://169.254.169.254/latest', 'generic', 'server_offline', 1, 1, '2026-01-01T00:00:00Z')
                """)

        for (name, message) in [
            ("traversal.tar", "unexpected entry"), ("link.tar", "not a regular file"), ("invalid.tar", "dead_host 1: domain_names[0]"),
            ("webhook.tar", "webhook 1: url leads to a cloud metadata service"),
        ] {
            let answer = try await client.send("POST", "/api/restore", raw: try Data(contentsOf: URL(fileURLWithPath: folder.file(name))))
            #expect(answer.status == 400, "\(name)")
            let text = String(decoding: answer.body, as: UTF8.self)
            #expect(text.contains(message), "\(name): \(text)")
        }
        #expect(try await client.send("POST", "/api/restore", raw: Data("not a tar archive at all".utf8)).status == 400)
        #expect(try await client.send("POST", "/api/restore?dry_run=true", raw: Data("not a tar archive at all".utf8)).errorField == "archive")
        #expect(try await client.send("POST", "/api/restore", raw: backup.prefix(1000)).status == 400)
        #expect(try await listings(client) == before)
        #expect(!FileManager.default.fileExists(atPath: "/etc/cron.d/evil"))
    }

    @Test func aBackupFromAnOlderControllerIsMigratedForwardAndOneFromANewerIsRefused() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        var client = try await controller.loggedIn()
        #expect(try await client.post("/api/dead-hosts", ["domain_names": ["kept.test"]]).status == 201)
        let folder = controller.folder
        try await client.get("/api/backup").body.write(to: URL(fileURLWithPath: folder.file("good.tar")))

        // As a controller of two migrations ago wrote it: without the change journal and
        // without the agents' token check column and the controller's own secrets.
        try rewriteDatabase(
            folder.file("good.tar"), folder.file("older.tar"),
            sql: """
                DROP TRIGGER resource_inserted; DROP TRIGGER resource_changed; DROP TRIGGER resource_deleted;
                DROP TABLE resource_changes; DROP INDEX resources_pending_removal; DROP INDEX resources_unsettled;
                DROP TABLE controller_secrets; ALTER TABLE servers DROP COLUMN agent_token_check;
                DELETE FROM grdb_migrations WHERE identifier LIKE 'v15:%' OR identifier LIKE 'v16:%';
                """)
        try rewriteDatabase(
            folder.file("good.tar"), folder.file("newer.tar"), sql: "INSERT INTO grdb_migrations VALUES ('v99: something from the future');")

        let newer = try await client.send("POST", "/api/restore", raw: try Data(contentsOf: URL(fileURLWithPath: folder.file("newer.tar"))))
        #expect(newer.status == 400)
        let refusal = String(decoding: newer.body, as: UTF8.self)
        #expect(refusal.contains("comes from a newer controller") && refusal.contains("v99: something from the future"), "\(refusal)")

        #expect(try await client.post("/api/dead-hosts", ["domain_names": ["after-backup.test"]]).status == 201)
        let older = try await client.send("POST", "/api/restore", raw: try Data(contentsOf: URL(fileURLWithPath: folder.file("older.tar"))))
        #expect(older.status == 200, "\(String(decoding: older.body, as: UTF8.self))")
        client = try await controller.loggedIn()
        let names = try await client.get("/api/dead-hosts").items.map { describeValue($0["domain_names"]) }
        #expect(names.count == 1 && names[0].contains("kept.test"), "\(names)")
        // The restored data takes changes as any other.
        #expect(try await client.post("/api/dead-hosts", ["domain_names": ["after-restore.test"]]).status == 201)
        #expect(try await client.get("/api/dead-hosts").items.count == 2)
    }
}
