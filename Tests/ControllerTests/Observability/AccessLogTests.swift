import Foundation
import Testing
import TestSupport

/// A host's access log, switched on per host, read from the server that served the requests:
/// the local server's own Caddy and an agent's Caddy in a network namespace (through a typed,
/// read-only request over the agent link), filtered there, with credentials redacted.
@Suite(.serialized) struct AccessLogTests {
    @Test func aHostsAccessLogIsReadFromItsServerFilteredAndRedacted() async throws {
        let setup = try await MultiServerSetup()
        defer { setup.remove() }
        // Access logs are written beside the certificate log, which provisioning always sets.
        let (remote, remoteID, token) = try await setup.addRemoteWithoutAgent("edge")
        try remote.startAgent(
            controllerURL: "http://\(remote.hostAddress):\(setup.controller.port)", token: token,
            extra: ["POSTERNPROXY_CADDY_CERTIFICATE_LOG=\(remote.folder.file("caddy/certificates.log"))"])
        let localID = try #require(try await setup.client.get("/api/servers").items.first { $0["is_local"] as? Bool == true }?["id"] as? Int)
        let local = try await logged("logged-local.test", on: Int64(localID), port: setup.localUpstream.port, setup)
        let remoteHost = try await logged("logged-remote.test", on: remoteID, port: nil, setup)
        let quiet = try await setup.addHost("quiet.test", serverID: Int64(localID), port: setup.localUpstream.port)
        try await setup.converged(Int64(localID))
        try await setup.converged(remoteID)

        _ = try HTTPProbe.request(
            "/secret?x=1", host: "logged-local.test", port: setup.localHTTPPort,
            headers: ["Authorization": "Bearer do-not-show", "Cookie": "session=do-not-show"])
        _ = try HTTPProbe.request("/status/404", host: "logged-local.test", port: setup.localHTTPPort, method: "POST")
        _ = try HTTPProbe.request("/", host: "quiet.test", port: setup.localHTTPPort)
        #expect(remote.get("logged-remote.test", path: "/from-remote").status == 200)

        try await setup.eventually("the local host's two requests are in its log") {
            (try await setup.client.get("/api/proxy-hosts/\(local)/access-log").object["lines"] as? [Any])?.count == 2
        }
        let answer = try await setup.client.get("/api/proxy-hosts/\(local)/access-log")
        #expect(!String(decoding: answer.body, as: UTF8.self).contains("do-not-show"))
        let lines = try #require(answer.object["lines"] as? [[String: Any]])
        #expect(lines.map { $0["uri"] as? String } == ["/status/404", "/secret?x=1"], "newest first")
        let headers = try #require(lines.last?["request_headers"] as? [String: [String]])
        #expect(headers["Authorization"] == ["REDACTED"] && headers["Cookie"] == ["REDACTED"])
        #expect(
            lines.last?["status"] as? Int == 200 && lines.first?["method"] as? String == "POST" && lines.first?["client"] as? String == "127.0.0.1")

        // Filtered on the server that holds the log.
        for (filter, uris) in [
            ("status=4xx", ["/status/404"]), ("status=200", ["/secret?x=1"]), ("method=GET", ["/secret?x=1"]), ("path=secret", ["/secret?x=1"]),
            ("client=192.0.2.", []), ("limit=1", ["/status/404"]),
        ] {
            let filtered = try await setup.client.get("/api/proxy-hosts/\(local)/access-log?\(filter)").object["lines"] as? [[String: Any]]
            #expect(filtered?.map { $0["uri"] as? String } == uris, "\(filter)")
        }

        // The remote host's log comes from the agent.
        try await setup.eventually("the remote host's request is in its log") {
            let remoteLines = try await setup.client.get("/api/proxy-hosts/\(remoteHost)/access-log").object["lines"] as? [[String: Any]]
            return remoteLines?.first?["uri"] as? String == "/from-remote"
        }

        // Bad input names its field; a host without its log on, or none at all, says so.
        for (query, field) in [("status=6xx", "status"), ("status=abc", "status"), ("method=get;rm", "method"), ("limit=5000", "limit")] {
            #expect(try await setup.client.get("/api/proxy-hosts/\(local)/access-log?\(query)").errorField == field, "\(query)")
        }
        let off = try await setup.client.get("/api/proxy-hosts/\(quiet)/access-log")
        #expect(off.status == 409 && off.errorField == "access_log")
        #expect(try await setup.client.get("/api/proxy-hosts/999999/access-log").status == 404)
        // An agent that is gone cannot be asked.
        remote.killAgent()
        try await setup.eventually("the remote server is offline") { try await setup.server(remoteID)["status"] as? String == "offline" }
        let offline = try await setup.client.get("/api/proxy-hosts/\(remoteHost)/access-log")
        #expect(offline.status == 503 && offline.errorCode == "agent_offline")
    }

    @Test func anAdminOnAnotherMachineReadsALogWithCredentialsRedactedAndFollowsItLive() async throws {
        let setup = try await MultiServerSetup()
        defer { setup.remove() }
        let desk = try LinkedNamespace(prefix: "ppdesk", network: "10.63")
        defer { desk.remove() }
        let localID = try #require(try await setup.client.get("/api/servers").items.first { $0["is_local"] as? Bool == true }?["id"] as? Int)
        let host = try await logged("browsed.test", on: Int64(localID), port: setup.localUpstream.port, setup)
        try await setup.converged(Int64(localID))
        _ = try HTTPProbe.request(
            "/secret", host: "browsed.test", port: setup.localHTTPPort, headers: ["Authorization": "Basic do-not-show", "Cookie": "a=do-not-show"])
        _ = try HTTPProbe.request("/status/404", host: "browsed.test", port: setup.localHTTPPort)
        try await setup.eventually("both requests are logged") {
            (try await setup.client.get("/api/proxy-hosts/\(host)/access-log").object["lines"] as? [Any])?.count == 2
        }
        let screenshots = "\(TestEnvironment.packageRoot)/.build/ui-screenshots"
        try FileManager.default.createDirectory(atPath: screenshots, withIntermediateDirectories: true)
        let settings: [String: Any] = [
            "url": "http://\(desk.hostAddress):\(setup.controller.port)", "email": ControllerProcess.adminEmail,
            "password": ControllerProcess.adminPassword, "host": "browsed.test", "caddy": "http://\(desk.hostAddress):\(setup.localHTTPPort)",
            "screenshots": screenshots,
        ]
        let browser = try await BrowserScript.run("access_log.py", in: desk, settings: settings)
        #expect(browser.exitStatus == 0, "\(browser.output)\n\(browser.errors)")
        for check in [
            "the request shows with its Authorization and Cookie values redacted", "the status filter leaves the 4xx request alone",
            "a new request appears while the log is followed live", "no script errors",
        ] {
            #expect(browser.output.contains("ok \(check)"), "missing: \(check)")
        }
    }

    private func logged(_ domain: String, on serverID: Int64, port: Int?, _ setup: MultiServerSetup) async throws -> Int64 {
        let answer = try await setup.client.post(
            "/api/proxy-hosts",
            ["domain_names": [domain], "forward_host": "127.0.0.1", "forward_port": port ?? 8001, "server_id": serverID, "access_log": true])
        guard answer.status == 201, let id = answer.id else { throw TestSetupError("host not created: \(answer.object)") }
        return id
    }
}
