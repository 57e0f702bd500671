import Foundation
import Host
import Testing
import TestSupport

/// Single sign-on against a real OpenID Connect provider (django-oidc-provider over HTTPS with a
/// CA of its own), signed in to the way a browser's redirects go.
@Suite(.serialized) struct SingleSignOnTests {
    /// A provider and a controller that trusts its CA and is registered at it.
    private struct Setup {
        /// The provider's folder (its database, key and certificates).
        let folder: TemporaryFolder
        let provider: OIDCProvider
        let controller: ControllerProcess
        let admin: APIClient
        var url: String { "http://127.0.0.1:\(controller.port)" }

        init(extraEnvironment: [String: String] = [:]) async throws {
            folder = try TemporaryFolder()
            let port = try FreePort.next()
            provider = try OIDCProvider(in: folder.path, redirectURIs: ["http://127.0.0.1:\(port)/api/auth/oidc/callback"])
            controller = try ControllerProcess(
                extraEnvironment: ["POSTERNPROXY_OIDC_CA_ROOTS": provider.rootCertificate].merging(extraEnvironment) { $1 }, port: port)
            admin = try await APIClient.loggedIn(port: port)
        }

        /// Turns single sign-on on: proxy-admins are admins, proxy-viewers viewers.
        func configure(_ extra: [String: Any] = [:]) async throws -> APIClient.Answer {
            var settings: [String: Any] = [
                "enabled": true, "issuer": provider.issuer, "client_id": OIDCProvider.clientID,
                "client_secret": OIDCProvider.clientSecret, "admin_values": ["proxy-admins"],
                "viewer_values": ["proxy-viewers"], "button_label": "Sign in with Test ID",
            ]
            settings.merge(extra) { $1 }
            return try await admin.put("/api/single-sign-on", settings)
        }

        func remove() {
            provider.stop()
            controller.remove()
            folder.remove()
        }
    }

    @Test func badSettingsNameTheirFieldAndChangeNothing() async throws {
        let setup = try await Setup()
        defer { setup.remove() }
        let issuer = setup.provider.issuer
        let base: [String: Any] = ["enabled": true, "issuer": issuer, "client_id": OIDCProvider.clientID, "admin_values": ["proxy-admins"]]
        for (change, field) in [
            (["issuer": issuer.replacingOccurrences(of: "https://", with: "http://")], "issuer"),  // not https
            (["issuer": issuer + "/"], "issuer"),  // the discovery document names another issuer
            (["issuer": issuer + "?x=1"], "issuer"),
            (["issuer": "https://{env.HOME}/openid"], "issuer"),
            (["issuer": "https://127.0.0.1:1/openid"], "issuer"),  // nothing answers
            (["scopes": ["openid email"]], "scopes"),
            (["role_claim": "groups}{"], "role_claim"),
            (["admin_values": ["proxy\r\nadmins"]], "admin_values"),
            (["admin_values": [String](), "viewer_values": [String]()], "admin_values"),  // nobody could sign in
            (["default_role": "admin"], "default_role"),
            (["redirect_uri": "http://127.0.0.1/elsewhere"], "redirect_uri"),
            (["button_label": String(repeating: "x", count: 61)], "button_label"),
            (["client_id": "posternproxy\u{0}"], "client_id"),
            (["enabled": false, "password_login": false], "password_login"),  // only while single sign-on is on
            (["surprise": true], "surprise"),
        ] as [([String: Any], String)] {
            let answer = try await setup.admin.put("/api/single-sign-on", base.merging(change) { $1 })
            #expect(answer.status == 400 && answer.errorField == field, "\(change): \(answer.status) \(String(decoding: answer.body, as: UTF8.self))")
        }
        let stored = try await setup.admin.get("/api/single-sign-on").object
        #expect(stored["enabled"] as? Bool == false && stored["issuer"] as? String == "")
        let methods = try await APIClient(port: setup.controller.port).get("/api/auth/methods").object
        #expect(methods["password"] as? Bool == true && methods["single_sign_on"] == nil)
        // A viewer may not read or change them.
        _ = try await setup.admin.post(
            "/api/users", ["email": "viewer@example.test", "name": "V", "password": "viewer-password-1", "role": "viewer"])
        let viewer = try await setup.controller.loggedIn(email: "viewer@example.test", password: "viewer-password-1")
        #expect(try await viewer.get("/api/single-sign-on").status == 403)
        #expect(try await viewer.put("/api/single-sign-on", base).status == 403)
    }

    @Test func peopleSignInThroughTheProviderWithTheRoleTheirGroupGives() async throws {
        let setup = try await Setup()
        defer { setup.remove() }
        let saved = try await setup.configure()
        #expect(saved.status == 200, "\(String(decoding: saved.body, as: UTF8.self))")
        #expect(saved.object["has_client_secret"] as? Bool == true)
        #expect(!String(decoding: saved.body, as: UTF8.self).contains(OIDCProvider.clientSecret))
        #expect(!String(decoding: try await setup.admin.get("/api/single-sign-on").body, as: UTF8.self).contains(OIDCProvider.clientSecret))
        let methods = try await APIClient(port: setup.controller.port).get("/api/auth/methods").object
        #expect((methods["single_sign_on"] as? [String: Any])?["label"] as? String == "Sign in with Test ID")

        // An account that exists here with the email the provider verified is tied to it, not duplicated.
        let local = try await setup.admin.post(
            "/api/users", ["email": "bob@example.test", "name": "Bob here", "password": "bobs-password-1", "role": "admin"])
        let alice = try setup.provider.signIn(controller: setup.url, username: "alice")
        #expect(alice["sso_error"] is NSNull && alice["session"] as? Bool == true, "\(alice)")
        let aliceMe = try #require(alice["me"] as? [String: Any])
        #expect(
            aliceMe["email"] as? String == "alice@example.test" && aliceMe["role"] as? String == "admin" && aliceMe["single_sign_on"] as? Bool == true
        )
        let bob = try setup.provider.signIn(controller: setup.url, username: "bob")
        let bobMe = try #require(bob["me"] as? [String: Any], "\(bob)")
        #expect(bobMe["role"] as? String == "viewer", "the provider's group decides the role, also for a linked account")
        #expect((bobMe["id"] as? NSNumber)?.int64Value == local.id)
        let carol = try setup.provider.signIn(controller: setup.url, username: "carol")
        #expect(carol["sso_error"] as? String == "not_permitted" && carol["session"] as? Bool == false)
        // Signing in again finds the same account.
        let again = try #require(try setup.provider.signIn(controller: setup.url, username: "alice")["me"] as? [String: Any])
        #expect((again["id"] as? NSNumber) == (aliceMe["id"] as? NSNumber))

        let logins = try await setup.admin.get("/api/audit-log?action=login").items.compactMap { $0["details"] as? [String: Any] }
        #expect(logins.contains { $0["method"] as? String == "single_sign_on" && $0["account"] as? String == "created" })
        #expect(logins.contains { $0["method"] as? String == "single_sign_on" && $0["account"] as? String == "linked_by_email" })
        let refused = try await setup.admin.get("/api/audit-log?action=login_failed").items.compactMap { $0["details"] as? [String: Any] }
        #expect(refused.contains { $0["reason"] as? String == "not_permitted" })

        // With everyone required to use two-factor login, the provider's sign-in is not held back
        // (the provider is in charge of its factors); a password session without it is.
        let token = try #require(try await setup.admin.post("/api/tokens", ["name": "automation"]).object["token"] as? String)
        let automation = APIClient(port: setup.controller.port, bearer: token)
        #expect(try await automation.put("/api/settings/require_two_factor", ["value": "true"]).status == 200)
        let held = try setup.provider.signIn(controller: setup.url, username: "alice")
        #expect((held["me"] as? [String: Any])?["role"] as? String == "admin")
        #expect(
            try await setup.controller.loggedIn(email: "bob@example.test", password: "bobs-password-1").get("/api/servers")
                .status == 403)
        #expect(try await automation.put("/api/settings/require_two_factor", ["value": "false"]).status == 200)

        // Password login off: the login route refuses, API tokens still work, and
        // POSTERNPROXY_PASSWORD_LOGIN=on brings it back for a locked-out admin.
        #expect(try await setup.configure(["password_login": false]).status == 200)
        let refusedLogin = try await APIClient(port: setup.controller.port).post(
            "/api/auth/login", ["email": ControllerProcess.adminEmail, "password": ControllerProcess.adminPassword])
        #expect(refusedLogin.status == 403 && refusedLogin.errorCode == "password_login_disabled")
        #expect(try await APIClient(port: setup.controller.port).get("/api/auth/methods").object["password"] as? Bool == false)
        #expect(try await automation.get("/api/servers").status == 200)
        #expect(try setup.provider.signIn(controller: setup.url, username: "alice")["session"] as? Bool == true)
    }

    @Test func theEnvironmentTurnsPasswordLoginBackOn() async throws {
        let setup = try await Setup(extraEnvironment: ["POSTERNPROXY_PASSWORD_LOGIN": "on"])
        defer { setup.remove() }
        #expect(try await setup.configure(["password_login": false]).status == 200)
        #expect(try await setup.controller.loggedIn().get("/api/auth/me").status == 200)
        #expect(try await setup.admin.get("/api/single-sign-on").object["password_login_forced"] as? Bool == true)
    }

    @Test func tamperedTokensReplaysAndForeignBrowsersSignNobodyIn() async throws {
        let setup = try await Setup()
        defer { setup.remove() }
        #expect(try await setup.configure().status == 200)
        let cases: [([String: Any], String)] = [
            (["claims": ["aud": "someone-else"]], "audience"),
            (["claims": ["aud": ["someone-else", OIDCProvider.clientID]]], "azp"),  // several audiences, none authorized
            (["claims": ["azp": "someone-else"]], "azp"),
            (["claims": ["iss": "https://evil.example/openid"]], "issuer"),
            (["claims": ["nonce": "a-nonce-from-another-login"]], "nonce"),
            (["claims": ["nonce": NSNull()]], "nonce"),
            (["claims": ["exp": 1_000_000]], "expired"),
            (["claims": ["iat": 4_000_000_000]], "future"),
            (["signature": "foreign"], "signature"),
            (["alg": "none"], "\"none\""),
            (["alg": "HS256"], "\"HS256\""),
        ]
        for (rule, reason) in cases {
            try setup.provider.tamper(rule)
            let attempt = try setup.provider.signIn(controller: setup.url, username: "alice")
            #expect(attempt["sso_error"] as? String == "invalid_id_token" && attempt["session"] as? Bool == false, "\(rule): \(attempt)")
            let last = try await setup.admin.get("/api/audit-log?action=login_failed").items.first?["details"] as? [String: Any]
            #expect((last?["message"] as? String)?.contains(reason) == true, "\(rule): \(String(describing: last))")
        }
        try setup.provider.tamper(nil)
        // Nobody was created by any of it.
        let users = try await setup.admin.get("/api/users").items.compactMap { $0["email"] as? String }
        #expect(!users.contains("alice@example.test"))
        let replayed = try setup.provider.signIn(controller: setup.url, username: "alice", replay: true)
        #expect(replayed["sso_error"] as? String == "unknown_state", "a callback works once: \(replayed)")
        let foreign = try setup.provider.signIn(controller: setup.url, username: "alice", dropBinding: true)
        #expect(foreign["sso_error"] as? String == "browser_mismatch" && foreign["session"] as? Bool == false, "\(foreign)")
        // A callback with no sign-in behind it, and a provider error, land on the login page.
        for (query, error) in [("state=made-up&code=x", "unknown_state"), ("error=access_denied&state=made-up", "unknown_state")] {
            let result = try LocalTarget().run(
                TargetCommand(argv: [
                    "curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                    "\(setup.url)/api/auth/oidc/callback?\(query)",
                ]), onLine: { _ in }, isCancelled: { false })
            #expect(String(decoding: result.standardOutput, as: UTF8.self) == "303 \(setup.url)/?sso_error=\(error)")
        }
    }

    @Test func aBrowserOnAnotherMachineSetsItUpAndSignsInThroughTheProvider() async throws {
        let desk = try LinkedNamespace(prefix: "ppsso", network: "10.63")
        defer { desk.remove() }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let port = try FreePort.next()
        let url = "http://\(desk.hostAddress):\(port)"
        let provider = try OIDCProvider(in: folder.path, host: desk.hostAddress, redirectURIs: ["\(url)/api/auth/oidc/callback"])
        defer { provider.stop() }
        let controller = try ControllerProcess(
            extraEnvironment: ["POSTERNPROXY_LISTEN": "0.0.0.0:\(port)", "POSTERNPROXY_OIDC_CA_ROOTS": provider.rootCertificate],
            port: port)
        defer { controller.remove() }
        let screenshots = "\(TestEnvironment.packageRoot)/.build/ui-screenshots"
        try FileManager.default.createDirectory(atPath: screenshots, withIntermediateDirectories: true)
        let settings: [String: Any] = [
            "url": url, "email": ControllerProcess.adminEmail, "password": ControllerProcess.adminPassword, "issuer": provider.issuer,
            "client_id": OIDCProvider.clientID, "client_secret": OIDCProvider.clientSecret, "provider_password": OIDCProvider.password,
            "provider_certificate": "\(folder.path)/server.pem", "screenshots": screenshots,
        ]
        let browser = try await BrowserScript.run("single_sign_on.py", in: desk, settings: settings)
        let output = browser.output
        #expect(browser.exitStatus == 0, "\(output)\n\(browser.errors)")
        for check in [
            "an http:// issuer is refused next to its field", "single sign-on set up in Settings; the provider answered",
            "the login page offers the provider's button", "signed in through the provider as an admin", "the session survives a reload",
            "someone with no group is refused with the reason", "no script errors",
        ] {
            #expect(output.contains("ok \(check)"), "missing: \(check)")
        }
    }
}
