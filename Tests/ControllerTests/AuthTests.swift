import Foundation
import Host
import TestSupport
import Testing
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Login, sessions, CSRF, refresh, logout and the first start, against the real controller.
@Suite(.serialized) struct AuthTests {
    @Test func firstStartPrintsAGeneratedPasswordOnceAndItLogsIn() async throws {
        let controller = try ControllerProcess(adminPassword: nil)
        defer { controller.remove() }
        let lines = controller.output.split(separator: "\n")
        #expect(lines.contains { $0.contains("INITIAL SETUP") })
        let password = try #require(lines.first { $0.contains("password:") }?.split(separator: " ").last.map(String.init))
        #expect(password.count == 20)
        let client = try await controller.loggedIn(password: password)
        #expect(try await client.get("/api/auth/me").object["email"] as? String == ControllerProcess.adminEmail)
        try controller.restart()
        #expect(!controller.output.split(separator: "\n").dropFirst(lines.count).contains { $0.contains("INITIAL SETUP") })
    }

    @Test func loginSetsSessionCookiesAndReturnsAnAccessToken() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let answer = try await APIClient(port: controller.port).post(
            "/api/auth/login", ["email": ControllerProcess.adminEmail, "password": ControllerProcess.adminPassword])
        #expect(answer.status == 200)
        #expect(answer.object["expires_in"] as? Int == 900)
        #expect((answer.object["user"] as? [String: Any])?["role"] as? String == "admin")
        #expect((answer.object["user"] as? [String: Any])?["password_hash"] == nil)
        let raw = answer.headers["set-cookie"] ?? ""
        #expect(raw.contains("pp_access=") && raw.contains("HttpOnly") && raw.contains("SameSite=Strict"))
        // Plain HTTP: a Secure cookie would be dropped by a browser anywhere but on localhost
        // (AdminAccessTests and AdminTLSTests show when cookies are Secure).
        #expect(!raw.contains("Secure"))
        #expect(answer.setCookies["pp_csrf"] != nil)
    }

    @Test func wrongPasswordsAreRefusedAuditedAndRateLimited() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let anonymous = APIClient(port: controller.port)
        var statuses: [Int] = []
        for _ in 0..<6 {
            statuses.append(
                try await anonymous.post("/api/auth/login", ["email": ControllerProcess.adminEmail, "password": "wrong password"]).status)
        }
        #expect(statuses == [401, 401, 401, 401, 401, 429])
        // Still limited, even with the right password, within the minute.
        let limited = try await anonymous.post(
            "/api/auth/login", ["email": ControllerProcess.adminEmail, "password": ControllerProcess.adminPassword])
        #expect(limited.status == 429)
        #expect(limited.headers["retry-after"] != nil)
    }

    @Test func authenticatedRoutesAreRateLimitedPerClient() async throws {
        // The limit is 120 a minute by default; a small one shows the mechanism quickly.
        let controller = try ControllerProcess(extraEnvironment: ["POSTERNPROXY_RATE_LIMIT": "5"])
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        // Until the first refusal: five pass at once, plus one for every 12 s the requests took
        // (the bucket refills five a minute; a loaded machine makes them slow), never more.
        var answers: [APIClient.Answer] = []
        let started = Date()
        while answers.count < 20, answers.last?.status != 429 { answers.append(try await client.get("/api/proxy-hosts")) }
        let refilled = Int((Date().timeIntervalSince(started) / 12).rounded(.up))
        let passed = answers.filter { $0.status == 200 }.count
        #expect((5...(5 + refilled)).contains(passed) && answers.count == passed + 1, "\(answers.map(\.status)) in \(refilled * 12) s")
        let limited = try #require(answers.last)
        #expect(limited.status == 429)
        #expect(limited.errorCode == "rate_limited")
        #expect(Int(limited.headers["retry-after"] ?? "") ?? 0 > 0)
    }

    @Test func cookieSessionsNeedTheCSRFHeaderToChangeAnything() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let login = try await APIClient(port: controller.port).post(
            "/api/auth/login", ["email": ControllerProcess.adminEmail, "password": ControllerProcess.adminPassword])
        var browser = APIClient(port: controller.port)
        browser.cookies = login.setCookies.filter { $0.key != "pp_refresh" }
        #expect(try await browser.get("/api/auth/me").status == 200)
        let body: [String: Any] = ["domain_names": ["csrf.test"], "forward_host": "127.0.0.1", "forward_port": 8080]
        let forged = try await browser.post("/api/proxy-hosts", body)
        #expect(forged.status == 403)
        #expect(try await browser.get("/api/proxy-hosts").object["total"] as? Int == 0)
        browser.headers["X-CSRF-Token"] = "not-the-cookie"
        #expect(try await browser.post("/api/proxy-hosts", body).status == 403)
        browser.headers["X-CSRF-Token"] = login.setCookies["pp_csrf"]
        #expect(try await browser.post("/api/proxy-hosts", body).status == 201)
    }

    @Test func refreshRotatesTheTokensAndLogoutEndsTheSession() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let anonymous = APIClient(port: controller.port)
        let login = try await anonymous.post("/api/auth/login", ["email": ControllerProcess.adminEmail, "password": ControllerProcess.adminPassword])
        let refreshToken = try #require(login.object["refresh_token"] as? String)
        let refreshed = try await anonymous.post("/api/auth/refresh", ["refresh_token": refreshToken])
        #expect(refreshed.status == 200)
        let newAccess = try #require(refreshed.object["access_token"] as? String)
        #expect(try await APIClient(port: controller.port, bearer: login.object["access_token"] as? String).get("/api/auth/me").status == 401)
        #expect(try await anonymous.post("/api/auth/refresh", ["refresh_token": refreshToken]).status == 401)
        let session = APIClient(port: controller.port, bearer: newAccess)
        #expect(try await session.get("/api/auth/me").status == 200)
        #expect(try await session.post("/api/auth/logout").status == 200)
        #expect(try await session.get("/api/auth/me").status == 401)
        let audit = try await controller.loggedIn().get("/api/audit-log?resource_type=session")
        #expect(Set(audit.items.compactMap { $0["action"] as? String }).isSuperset(of: ["login", "logout"]))
    }

    @Test func everyResponseCarriesTheSecurityHeaders() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let anonymous = APIClient(port: controller.port)
        for answer in [
            try await anonymous.get("/api/proxy-hosts"), try await anonymous.get("/api/no-such-route"),
            try await anonymous.post("/api/auth/login", ["email": "x"]),
        ] {
            #expect(answer.headers["x-content-type-options"] == "nosniff")
            #expect(answer.headers["x-frame-options"] == "DENY")
            #expect(answer.headers["strict-transport-security"]?.hasPrefix("max-age=") == true)
            #expect(answer.headers["content-security-policy"] == "default-src 'self'")
            #expect(answer.errorCode != nil)
        }
    }
}

/// Start-up failures are reported and end the process with a non-zero status.
@Suite struct StartupTests {
    @Test func anUnusableDatabaseIsLoggedAndTheControllerExitsNonZero() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        _ = try folder.write("data/posternproxy.sqlite", String(repeating: "this is not a database\n", count: 100))
        let result = try LocalTarget().run(
            TargetCommand(
                argv: [
                    "env", "POSTERNPROXY_DATA_DIR=\(folder.file("data"))",
                    "POSTERNPROXY_LISTEN=127.0.0.1:\(try FreePort.next())",
                    TestEnvironment.commandPath, "serve",
                ], timeout: .seconds(30)),
            onLine: { _ in }, isCancelled: { false })
        #expect(result.exitStatus != 0)
        #expect(String(decoding: result.standardError, as: UTF8.self).contains("cannot start"))
    }

    @Test func aMalformedSettingIsRefusedNamingTheVariable() throws {
        let result = try LocalTarget().run(
            TargetCommand(argv: ["env", "POSTERNPROXY_LISTEN=nonsense", TestEnvironment.commandPath, "serve"]),
            onLine: { _ in }, isCancelled: { false })
        #expect(result.exitStatus != 0)
        #expect(String(decoding: result.standardError, as: UTF8.self).contains("POSTERNPROXY_LISTEN"))
    }
}
