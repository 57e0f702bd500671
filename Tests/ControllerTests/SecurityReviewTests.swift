import Foundation
import Host
import Testing
import TestSupport

/// The outside review's findings, replayed through the API and restore: every spelling of a
/// reserved address, restored rows the API would refuse, raw Caddy routes that read the host,
/// Caddy's environment, the data folder's modes, and the small holes (tar sizes, refresh CSRF,
/// certificate renewal).
@Suite(.serialized) struct SecurityReviewTests {
    private func count(_ client: APIClient, _ path: String) async throws -> Int { try await client.get("/api/\(path)").items.count }

    @Test func reservedAddressesInEverySpellingAreRefusedWhereverAnAddressIsNamed() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        let port = controller.port
        let thisHost = [
            "127.0.0.1", "::ffff:127.0.0.1", "[::ffff:127.0.0.1]", "::ffff:7f00:1", "0:0:0:0:0:ffff:7f00:1", "[::1]", "::1",
            "2130706433", "0x7f.1", "0177.0.0.1", "127.1", "0.0.0.0", "0", "localhost", "LOCALHOST.", "app.localhost", "64:ff9b::7f00:1",
            "2002:7f00:1::",
        ]
        let metadata = [
            "169.254.169.254", "::ffff:169.254.169.254", "[::ffff:a9fe:a9fe]", "0xa9fea9fe", "fe80::1", "metadata", "metadata.google.internal",
            "instance-data.ec2.internal", "100.100.100.200", "fd00:ec2::254",
        ]
        let before = try await count(client, "proxy-hosts")
        func refused(_ path: String, _ body: [String: Any], field: String) async throws {
            let answer = try await client.post(path, body)
            #expect(
                answer.status == 400 && answer.errorField == field,
                "\(path) \(body): \(answer.status) \(String(decoding: answer.body, as: UTF8.self))")
        }
        for (index, host) in thisHost.enumerated() {
            try await refused(
                "/api/proxy-hosts", ["domain_names": ["r\(index).test"], "forward_host": host, "forward_port": port], field: "forward_host")
            try await refused(
                "/api/proxy-hosts", ["domain_names": ["r\(index).test"], "forward_host": host, "forward_port": 2019], field: "forward_host")
            try await refused(
                "/api/proxy-hosts",
                [
                    "domain_names": ["u\(index).test"], "forward_host": "10.0.0.5", "forward_port": 80,
                    "upstreams": [["host": host, "port": port]],
                ], field: "upstreams[0].host")
            try await refused(
                "/api/proxy-hosts",
                [
                    "domain_names": ["l\(index).test"], "forward_host": "10.0.0.5", "forward_port": 80,
                    "locations": [["path": "/api", "forward_scheme": "http", "forward_host": host, "forward_port": port]],
                ], field: "locations[0].forward_host")
            try await refused(
                "/api/stream-hosts", ["incoming_port": 30000 + index, "forwarding_host": host, "forwarding_port": port], field: "forwarding_host")
            try await refused("/api/servers", ["name": "s\(index)", "hostname": host], field: "hostname")
        }
        for (index, host) in metadata.enumerated() {
            try await refused(
                "/api/proxy-hosts", ["domain_names": ["m\(index).test"], "forward_host": host, "forward_port": 80], field: "forward_host")
            try await refused(
                "/api/stream-hosts", ["incoming_port": 31000 + index, "forwarding_host": host, "forwarding_port": 80], field: "forwarding_host")
            try await refused("/api/servers", ["name": "m\(index)", "hostname": host], field: "hostname")
        }
        for (host, target) in [("127.0.0.1", port), ("127.0.0.1", 2019), ("169.254.169.254", 80)] {
            try await refused(
                "/api/port-forwards", ["incoming_port": 32000 + target % 1000, "forward_host": host, "forward_port": target, "protocol": "tcp"],
                field: "forward_host")
        }
        for directory in [
            "http://169.254.169.254/latest", "https://127.0.0.1:\(port)/dir", "https://[::ffff:127.0.0.1]:2019/dir", "https://metadata/x",
        ] {
            let answer = try await client.put("/api/settings/acme_directory", ["value": directory])
            #expect(answer.status == 400 && answer.errorField == "value", "\(directory)")
        }
        #expect(try await count(client, "proxy-hosts") == before)
        #expect(try await count(client, "stream-hosts") == 0)
        #expect(try await count(client, "port-forwards") == 0)
        #expect(try await count(client, "servers") == 1)

        // This machine at any other port is a normal upstream; an odd spelling is stored as the address it is.
        let local = try await client.post("/api/proxy-hosts", ["domain_names": ["app.test"], "forward_host": "0x7f.1", "forward_port": 3000])
        #expect(local.status == 201 && local.object["forward_host"] as? String == "127.0.0.1")
        let mapped = try await client.post(
            "/api/proxy-hosts", ["domain_names": ["lan.test"], "forward_host": "[::FFFF:10.0.0.5]", "forward_port": port])
        #expect(mapped.status == 201 && mapped.object["forward_host"] as? String == "::ffff:10.0.0.5")
        // An admin may still allow a reserved upstream on purpose.
        #expect(
            try await client.post(
                "/api/proxy-hosts",
                [
                    "domain_names": ["self.test"], "forward_host": "127.0.0.1", "forward_port": port,
                    "allow_reserved_upstream": true,
                ]
            ).status == 201)
        #expect(try await client.put("/api/settings/acme_directory", ["value": "https://127.0.0.1:14000/dir"]).status == 200)
    }

    @Test func aRestoreRefusesAnyRowTheAPIWouldRefuse() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        #expect(try await client.post("/api/access-lists", ["name": "team", "items": [["username": "a", "password": "secret-1"]]]).status == 201)
        #expect(try await client.post("/api/servers", ["name": "edge", "hostname": "10.1.1.1"]).status == 201)
        _ = try await client.post("/api/tokens", ["name": "t"])
        let backup = try await client.get("/api/backup").body
        let folder = controller.folder
        try backup.write(to: URL(fileURLWithPath: folder.file("good.tar")))
        let cases: [(String, String)] = [
            ("INSERT OR REPLACE INTO settings (key, value) VALUES ('acme_email', '{env.HOME}@example.test')", "setting acme_email"),
            (
                "INSERT OR REPLACE INTO settings (key, value) VALUES ('acme_directory', 'http://example.test/{env.HOME}/{file./etc/hostname}')",
                "setting acme_directory"
            ),
            ("INSERT OR REPLACE INTO settings (key, value) VALUES ('acme_directory', 'http://169.254.169.254/')", "setting acme_directory"),
            ("INSERT OR REPLACE INTO settings (key, value) VALUES ('surprise', 'x')", "setting surprise"),
            ("UPDATE users SET role = 'superadmin'", "user 1: role"),
            ("UPDATE users SET name = '{env.HOME}<script>'", "user 1: name"),
            ("UPDATE users SET password_hash = 'plain text'", "user 1: password_hash"),
            ("UPDATE users SET email = 'Admin@Example.test'", "user 1: email"),
            ("UPDATE servers SET ssh_user = 'root;id' WHERE is_local = 0", "server 2: ssh_user"),
            ("UPDATE servers SET hostname = '127.0.0.1' WHERE is_local = 0", "server 2: hostname"),
            ("UPDATE servers SET hostname = '-oProxyCommand=id' WHERE is_local = 0", "server 2: hostname"),
            ("UPDATE resources SET data = json_set(data, '$.items[0].password_hash', 'not-a-hash') WHERE type = 'access_list'", "password_hash"),
            ("UPDATE api_tokens SET token_hash = 'x'", "api_tokens"),
        ]
        for (index, (statement, message)) in cases.enumerated() {
            let result = try LocalTarget().run(
                TargetCommand(argv: [
                    "python3", "-c",
                    """
                    import sys, tarfile, io, sqlite3, tempfile, os
                    src = tarfile.open(sys.argv[1]); d = tempfile.mkdtemp(); db = os.path.join(d, "db")
                    open(db, "wb").write(src.extractfile("posternproxy.sqlite").read())
                    c = sqlite3.connect(db); c.execute(sys.argv[3]); c.commit(); c.close()
                    out = tarfile.open(sys.argv[2], "w")
                    for name in ["manifest.json", "posternproxy.sqlite"]:
                        data = src.extractfile("manifest.json").read() if name == "manifest.json" else open(db, "rb").read()
                        info = tarfile.TarInfo(name); info.size = len(data); out.addfile(info, io.BytesIO(data))
                    out.close()
                    """, folder.file("good.tar"), folder.file("case\(index).tar"), statement,
                ]), onLine: { _ in }, isCancelled: { false })
            #expect(result.exitStatus == 0, "\(String(decoding: result.standardError, as: UTF8.self))")
            let answer = try await client.send(
                "POST", "/api/restore", raw: try Data(contentsOf: URL(fileURLWithPath: folder.file("case\(index).tar"))))
            let text = String(decoding: answer.body, as: UTF8.self)
            #expect(answer.status == 400 && answer.errorField == "archive" && text.contains(message), "\(statement): \(text)")
        }
        #expect(try await client.get("/api/audit-log?action=restore").items.isEmpty)
        // The untouched backup still restores.
        #expect(try await client.send("POST", "/api/restore", raw: backup).status == 200)
    }

    @Test func rawCaddyRoutesThatReadTheHostNeedTheExplicitSetting() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        let readers: [([String: Any], String)] = [
            (["handle": [["handler": "static_response", "body": "{env.POSTERNPROXY_ADMIN_PASSWORD}"]]], "advanced_config[0].handle[0].body"),
            (
                ["handle": [["handler": "static_response", "body": "{file./var/lib/posternproxy/credentials.key}"]]],
                "advanced_config[0].handle[0].body"
            ),
            (["handle": [["handler": "file_server", "root": "/var/lib/posternproxy"]]], "advanced_config[0].handle[0]"),
            (
                ["handle": [["handler": "subroute", "routes": [["handle": [["handler": "templates"]]]]]]],
                "advanced_config[0].handle[0].routes[0].handle[0]"
            ),
            (
                ["handle": [["handler": "reverse_proxy", "transport": ["protocol": "fastcgi", "root": "/"]]]],
                "advanced_config[0].handle[0].transport"
            ),
            (["match": [["header": ["X": ["{system.hostname}"]]]]], "advanced_config[0].match[0].header.X[0]"),
        ]
        for (index, (route, field)) in readers.enumerated() {
            let answer = try await client.post(
                "/api/proxy-hosts",
                [
                    "domain_names": ["adv\(index).test"], "forward_host": "10.0.0.5", "forward_port": 80,
                    "advanced_config": [route],
                ])
            #expect(answer.status == 400 && answer.errorField == field, "\(route): \(String(decoding: answer.body, as: UTF8.self))")
        }
        let harmless = try await client.post(
            "/api/proxy-hosts",
            [
                "domain_names": ["fine.test"], "forward_host": "10.0.0.5", "forward_port": 80,
                "advanced_config": [["handle": [["handler": "static_response", "body": "{http.request.host}"]]]],
            ])
        #expect(harmless.status == 201)
        #expect(try await client.put("/api/settings/unrestricted_advanced_config", ["value": "true"]).status == 200)
        #expect(
            try await client.post(
                "/api/proxy-hosts",
                [
                    "domain_names": ["files.test"], "forward_host": "10.0.0.5", "forward_port": 80,
                    "advanced_config": [readers[2].0],
                ]
            ).status == 201)
        let audit = try await client.get("/api/audit-log?action=update").items.compactMap { $0["details"] as? [String: Any] }
        #expect(audit.contains { $0["key"] as? String == "unrestricted_advanced_config" && $0["value"] as? String == "true" })
    }

    @Test func caddyRunsWithoutTheControllersEnvironmentAndTheDataFolderIsPrivate() async throws {
        let folder = try TemporaryFolder()
        // A data folder someone left readable, with a readable file in it.
        try FileManager.default.createDirectory(
            atPath: folder.file("data"), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        FileManager.default.createFile(atPath: folder.file("data/notes.txt"), contents: Data("x".utf8), attributes: [.posixPermissions: 0o644])
        try FileManager.default.createDirectory(atPath: folder.file("plugins"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: try TestEnvironment.builtPlugin("PosternProxyCaddyL4"), toPath: folder.file("plugins/libPosternProxyCaddyL4.so"))
        // The Caddy binary where another user can run it (pip's lives under /root).
        let caddyPath = try LocalTarget().run(
            TargetCommand(argv: ["python3", "-c", "import os, sys; print(os.path.join(sys.prefix, 'bin', 'caddy'))"]),
            onLine: { _ in }, isCancelled: { false })
        try FileManager.default.copyItem(
            atPath: String(decoding: caddyPath.standardOutput, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines),
            toPath: folder.file("caddy"))
        let controller = try ControllerProcess(
            folder: folder,
            extraEnvironment: [
                "POSTERNPROXY_APPLY_PIPELINE": "posternproxy.caddy", "POSTERNPROXY_PLUGINS_DIR": folder.file("plugins"),
                "POSTERNPROXY_CADDY": folder.file("caddy"),
                "POSTERNPROXY_HTTP_PORT": String(try FreePort.next()), "POSTERNPROXY_HTTPS_PORT": String(try FreePort.next()),
                "POSTERNPROXY_SECRET_PROBE": "must-not-reach-caddy", "POSTERNPROXY_CADDY_USER": "nobody",
            ])
        defer { controller.remove() }
        try await eventually("Caddy started") { controller.caddyPID != nil }
        let pid = try #require(controller.caddyPID)
        let environ = try String(decoding: Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ")), as: UTF8.self).split(separator: "\0")
        #expect(!environ.contains { $0.hasPrefix("POSTERNPROXY_") }, "\(environ)")
        #expect(environ.contains { $0.hasPrefix("HOME=") })
        // Caddy runs as the user it was given, with only the right to bind low ports, and its state outside the data folder.
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8).split(separator: "\n")
        #expect(
            status.first { $0.hasPrefix("Uid:") }?.split(whereSeparator: \.isWhitespace).dropFirst().allSatisfy { $0 == "65534" } == true,
            "\(status.prefix(10))")
        #expect(status.contains("CapEff:\t0000000000000400"), "\(status.filter { $0.hasPrefix("Cap") })")
        #expect(FileManager.default.fileExists(atPath: folder.file("data-caddy/admin.sock")))
        #expect((try FileManager.default.attributesOfItem(atPath: folder.file("data-caddy"))[.ownerAccountID] as? NSNumber)?.intValue == 65534)
        // And it still applies what the controller sends.
        let client = try await controller.loggedIn()
        #expect(try await client.post("/api/dead-hosts", ["domain_names": ["gone.test"]]).status == 201)
        try await eventually("the local server applied the change") {
            let server = try await client.get("/api/servers/1").object
            return (server["applied_revision"] as? Int) == (server["desired_revision"] as? Int) && (server["applied_revision"] as? Int ?? 0) > 0
        }
        // What reaches Caddy, read back from its admin socket: hostile values were refused on the way.
        for (host, port) in [("[::ffff:127.0.0.1]", controller.port), ("metadata", 80), ("0x7f.1", 2019)] {
            #expect(
                try await client.post("/api/proxy-hosts", ["domain_names": ["h\(port).test"], "forward_host": host, "forward_port": port]).status
                    == 400)
        }
        #expect(
            try await client.post(
                "/api/proxy-hosts",
                [
                    "domain_names": ["adv.test"], "forward_host": "10.0.0.5", "forward_port": 80,
                    "advanced_config": [["handle": [["handler": "static_response", "body": "{env.HOME}"]]]],
                ]
            ).status == 400)
        #expect(try await client.put("/api/settings/acme_email", ["value": "{env.HOME}@example.test"]).status == 400)
        let config = try LocalTarget().run(
            TargetCommand(argv: ["curl", "-s", "--unix-socket", folder.file("data-caddy/admin.sock"), "http://caddy/config/"]),
            onLine: { _ in }, isCancelled: { false })
        let text = String(decoding: config.standardOutput, as: UTF8.self)
        #expect(text.contains("gone.test"), "the config was read: \(text.prefix(200))")
        for forbidden in ["{env.", "{file.", "169.254.", ":\(controller.port)\"", ":2019\""] {
            #expect(!text.contains(forbidden), "\(forbidden) in Caddy's config")
        }

        func mode(_ path: String) throws -> Int { (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1 }
        #expect(try mode(folder.file("data")) == 0o700)
        for name in ["notes.txt", "posternproxy.sqlite", "credentials.key"] where FileManager.default.fileExists(atPath: folder.file("data/\(name)"))
        {
            #expect(try mode(folder.file("data/\(name)")) == 0o600, "\(name)")
        }
        #expect(try mode(folder.file("data/caddy")) == 0o700)
        #expect(controller.output.contains("made private") && controller.output.contains("notes.txt"))
    }

    @Test func smallHolesStayClosed() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let client = try await controller.loggedIn()

        // A tar header whose size is -1 is refused; the controller keeps answering.
        var header = [UInt8](repeating: 0, count: 512)
        for (index, byte) in "manifest.json".utf8.enumerated() { header[index] = byte }
        for (offset, text) in [(100, "0000600"), (108, "0000000"), (116, "0000000"), (124, "-0000000001"), (136, "00000000000")] {
            for (index, byte) in text.utf8.enumerated() { header[offset + index] = byte }
        }
        header[156] = UInt8(ascii: "0")
        for index in 148..<156 { header[index] = 32 }
        let checksum = header.reduce(0) { $0 + Int($1) }
        for (index, byte) in String(checksum, radix: 8).leftPadding(6).utf8.enumerated() { header[148 + index] = byte }
        header[154] = 0
        let refused = try await client.send("POST", "/api/restore", raw: Data(header + [UInt8](repeating: 0, count: 1024)))
        #expect(refused.status == 400)
        #expect(try await client.get("/api/auth/me").status == 200)

        // A refresh that names no token in its body is a cookie refresh: it needs the CSRF header.
        let login = try await APIClient(port: controller.port).post(
            "/api/auth/login", ["email": ControllerProcess.adminEmail, "password": ControllerProcess.adminPassword])
        var cookieOnly = APIClient(port: controller.port)
        cookieOnly.cookies = ["pp_refresh": try #require(login.setCookies["pp_refresh"])]
        #expect(try await cookieOnly.post("/api/auth/refresh", ["refresh_token": NSNull()]).status == 403)
        #expect(try await cookieOnly.post("/api/auth/refresh", [String: Any]()).status == 403)

        // A certificate renewed with a new PEM pair keeps the new pair.
        let first = try TestCertificates.selfSigned("first", for: ["renew.test"], in: controller.folder.path)
        let created = try await client.post(
            "/api/certificates",
            [
                "provider": "other", "nice_name": "renew", "domain_names": ["renew.test"],
                "certificate": try String(contentsOfFile: first.certificate, encoding: .utf8),
                "certificate_key": try String(contentsOfFile: first.key, encoding: .utf8),
            ])
        #expect(created.status == 201)
        try await Task.sleep(for: .seconds(1.1))
        let second = try TestCertificates.selfSigned("second", for: ["renew.test"], in: controller.folder.path)
        let renewed = try await client.put(
            "/api/certificates/\(try #require(created.id))",
            [
                "certificate": try String(contentsOfFile: second.certificate, encoding: .utf8),
                "certificate_key": try String(contentsOfFile: second.key, encoding: .utf8),
            ])
        #expect(renewed.status == 200, "\(renewed.object)")
        #expect(
            renewed.object["expires_on"] as? String != created.object["expires_on"] as? String
                || renewed.object["issuer"] as? String != created.object["issuer"] as? String,
            "\(renewed.object) vs \(created.object)")
    }
}

extension SecurityReviewTests {
    @Test func anUnencryptedPublicURLToAnotherMachineNeedsAnAcknowledgement() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let refused = try LocalTarget().run(
            TargetCommand(
                argv: [
                    "env", "POSTERNPROXY_PUBLIC_URL=http://192.0.2.1:81", "POSTERNPROXY_DATA_DIR=\(folder.file("data"))",
                    "POSTERNPROXY_APPLY_PIPELINE=", "POSTERNPROXY_LISTEN=127.0.0.1:\(try FreePort.next())",
                    TestEnvironment.commandPath, "serve",
                ], timeout: .seconds(30)), onLine: { _ in }, isCancelled: { false })
        let errors = String(decoding: refused.standardError, as: UTF8.self)
        #expect(refused.exitStatus != 0 && errors.contains("POSTERNPROXY_PUBLIC_URL_INSECURE"), "\(errors)")
        // Acknowledged, or https, or this machine: the controller starts.
        for accepted in [
            ["POSTERNPROXY_PUBLIC_URL": "http://192.0.2.1:81", "POSTERNPROXY_PUBLIC_URL_INSECURE": "yes"],
            ["POSTERNPROXY_PUBLIC_URL": "https://192.0.2.1:8443"], ["POSTERNPROXY_PUBLIC_URL": "http://127.0.0.1:81"],
        ] {
            let controller = try ControllerProcess(extraEnvironment: accepted)
            controller.remove()
        }
    }
}

private extension String {
    func leftPadding(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
