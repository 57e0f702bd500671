import Foundation
import Testing
import Host
import TestSupport

/// Nginx Proxy Manager's API under `/npm`: a client written the way NPM's own frontend calls the
/// API (Tests/NPM/npm_client.py) works unchanged against a controller with its own Caddy, every
/// answer matching NPM's published schema, every host it saves serving through Caddy, and every
/// body Caddy cannot honour refused in NPM's error shape.
@Suite(.serialized) struct NPMCompatibilityTests {
    @Test func anNPMClientManagesHostsThatServeThroughCaddy() async throws {
        let dataPlane = try LocalDataPlane()
        let controller = dataPlane.controller, httpPort = dataPlane.httpPort
        defer { controller.remove() }
        let app = try TestUpstream("app", in: controller.folder.path)
        defer { app.stop() }
        let second = try TestUpstream("second", in: controller.folder.path)
        defer { second.stop() }
        _ = try await controller.loggedIn()

        let argv = [
            "python3", "\(TestEnvironment.packageRoot)/Tests/NPM/npm_client.py", "http://127.0.0.1:\(controller.port)/npm",
            ControllerProcess.adminEmail, ControllerProcess.adminPassword, String(httpPort), String(app.port), String(second.port),
            String(dataPlane.httpsPort),
        ]
        let result = try await offThePool {
            try LocalTarget().run(
                TargetCommand(argv: argv, timeout: .seconds(300)),
                onLine: { _ in }, isCancelled: { false })
        }
        let output = String(decoding: result.standardOutput, as: UTF8.self)
        #expect(result.exitStatus == 0, "\(output)\n\(String(decoding: result.standardError, as: UTF8.self).suffix(4000))")
        for check in [
            "the health check answers in NPM's shape", "login with identity and secret gives a token that lasts a day",
            "the signed-in user and their permissions come in NPM's shape", "GET /tokens refreshes the token and the old one stops working",
            "a proxy host created with the form's body serves through Caddy", "the list is a bare array with expansions and a search query",
            "the edit form's body, sent whole with custom locations and a path on the upstream, is served",
            "what Caddy cannot honour or NPM would refuse is refused in NPM's error shape, naming the field, and nothing is stored",
            "disable and enable take the host off Caddy and back", "delete answers true and the host is gone",
            "a custom certificate validated, created and uploaded as NPM's dialog does serves a host over HTTPS; automatic ones are requested",
            "an access list with users and rules (`all` included) guards a proxy host through Caddy and keeps passwords on edit",
            "a redirection host with NPM's 303, 0/1 flags and a target path redirects through Caddy",
            "a dead host is created in NPM's shape and answers 404", "streams Caddy cannot carry here are refused saying why",
            "the hosts report counts each kind", "NPM's documented request examples are taken and answered in NPM's documented shapes",
        ] {
            #expect(output.contains("ok \(check)"), "missing: \(check)")
        }
        // Every change went through the audit log like one made through /api.
        let audit = try await controller.loggedIn().get("/api/audit-log").object
        let actions = (audit["items"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
        #expect(actions.contains("create") && actions.contains("disable") && actions.contains("delete"), "\(actions)")
    }
}
