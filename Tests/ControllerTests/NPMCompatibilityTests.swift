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
            "a plain stream is accepted where Caddy lacks layer4",
            "the hosts report counts each kind", "the default-site setting and the audit log in NPM's shapes",
            "users are created, edited, promoted, given passwords, signed in as and deleted as NPM's dialogs do",
            "GET /api/schema answers NPM's published schema",
            "NPM's documented request examples are taken and answered in NPM's documented shapes",
        ] {
            #expect(output.contains("ok \(check)"), "missing: \(check)")
        }
        // Every change went through the audit log like one made through /api.
        let audit = try await controller.loggedIn().get("/api/audit-log").object
        let actions = (audit["items"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
        #expect(actions.contains("create") && actions.contains("disable") && actions.contains("delete"), "\(actions)")
        #expect(actions.contains("login_as"), "an admin's sign-in as another user is audited: \(actions)")
    }

    /// An account with two-factor login gets NPM's challenge from `POST /tokens` and finishes
    /// with `POST /tokens/2fa`; a wrong code is refused and a used challenge is gone.
    @Test func anAccountWithTwoFactorLoginAnswersNPMsChallenge() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let (_, backupCodes) = try await TwoFactorTests.enrol(try await controller.loggedIn())
        let npm = APIClient(port: controller.port)
        let asked = try await npm.post("/npm/api/tokens", ["identity": ControllerProcess.adminEmail, "secret": ControllerProcess.adminPassword])
        #expect(asked.status == 200 && asked.object["requires_2fa"] as? Bool == true, "\(String(decoding: asked.body, as: UTF8.self))")
        let challenge = try #require(asked.object["challenge_token"] as? String)
        #expect(asked.object["token"] == nil)

        let wrong = try await npm.post("/npm/api/tokens/2fa", ["challenge_token": challenge, "code": "00000x"])
        #expect(wrong.status == 401 && (wrong.object["error"] as? [String: Any])?["code"] as? Int == 401)
        let answered = try await npm.post("/npm/api/tokens/2fa", ["challenge_token": challenge, "code": backupCodes[0]])
        #expect(answered.status == 200, "\(String(decoding: answered.body, as: UTF8.self))")
        let token = try #require(answered.object["token"] as? String)
        #expect(answered.object["expires"] is String)
        #expect(try await APIClient(port: controller.port, bearer: token).get("/npm/api/users/me").status == 200)
        let again = try await npm.post("/npm/api/tokens/2fa", ["challenge_token": challenge, "code": backupCodes[1]])
        #expect(again.status == 401, "a challenge is answered once")
        let forged = try await npm.post("/npm/api/tokens/2fa", ["challenge_token": "npmc_forged", "code": backupCodes[1]])
        #expect(forged.status == 401)
        let wrongPassword = try await npm.post("/npm/api/tokens", ["identity": ControllerProcess.adminEmail, "secret": "not the password"])
        #expect(wrongPassword.status == 401 && wrongPassword.object["challenge_token"] == nil)
    }
}
