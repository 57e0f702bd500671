import Foundation
import Host
import TestSupport
import Testing

/// Admin access as a real network sees it: cookies that a browser keeps over plain HTTP,
/// forwarding headers believed only from trusted proxies, limits per credential that fit
/// automation, strict login limits per address and account, and signing a user out everywhere.
@Suite(.serialized) struct AdminAccessTests {
    nonisolated(unsafe) private static let login: [String: Any] = [
        "email": ControllerProcess.adminEmail, "password": ControllerProcess.adminPassword,
    ]

    /// The `Set-Cookie` header of an answer, one cookie per line.
    private func cookieLines(_ answer: APIClient.Answer) -> [String] {
        (answer.headers["set-cookie"] ?? "").components(separatedBy: ", pp_").map { $0.hasPrefix("pp_") ? $0 : "pp_" + $0 }
    }

    @Test func cookiesArePlainOverHTTPAndSecureOnlyWhenATrustedProxySaysHTTPS() async throws {
        let controller = try ControllerProcess(extraEnvironment: ["POSTERNPROXY_TRUSTED_PROXIES": "10.9.9.9/32"])
        defer { controller.remove() }
        var client = APIClient(port: controller.port)
        let plain = try await client.post("/api/auth/login", Self.login)
        #expect(plain.status == 200)
        #expect(plain.object["secure_cookies"] as? Bool == false)
        let lines = cookieLines(plain)
        #expect(lines.count == 3)
        for line in lines {
            #expect(!line.contains("Secure"), "\(line)")
            #expect(line.contains("SameSite=Strict"))
        }
        // 127.0.0.1 is not a trusted proxy: its claim of https changes nothing.
        client.headers = ["X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"]
        let forged = try await client.post("/api/auth/login", Self.login)
        #expect(forged.object["secure_cookies"] as? Bool == false)
        #expect(!(forged.headers["set-cookie"] ?? "").contains("Secure"))
        let me = try await APIClient(port: controller.port, bearer: forged.object["access_token"] as? String).get("/api/auth/me")
        #expect((me.object["connection"] as? [String: Any])?["client_ip"] as? String == "127.0.0.1")
    }

    @Test func aTrustedProxyNamesTheClientAndTheSchemeAndNobodyElseCan() async throws {
        let controller = try ControllerProcess(extraEnvironment: ["POSTERNPROXY_TRUSTED_PROXIES": "127.0.0.0/8, ::1"])
        defer { controller.remove() }
        var proxied = APIClient(port: controller.port)
        // The client prepends a forged hop; the proxy appends the address it saw.
        proxied.headers = ["X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.66, 203.0.113.7"]
        let login = try await proxied.post("/api/auth/login", Self.login)
        #expect(login.status == 200)
        #expect(login.object["secure_cookies"] as? Bool == true)
        for line in cookieLines(login) { #expect(line.contains("Secure"), "\(line)") }
        let admin = try await controller.loggedIn()
        let audit = try await admin.get("/api/audit-log?action=login")
        #expect(audit.items.contains { $0["client_ip"] as? String == "203.0.113.7" })
        #expect(!audit.items.contains { $0["client_ip"] as? String == "198.51.100.66" })
        // The login limit follows the forwarded address: another client behind the same proxy
        // is not locked out by the first one's attempts.
        var statuses: [Int] = []
        for attempt in 0..<6 {
            var client = APIClient(port: controller.port)
            client.headers = ["X-Forwarded-For": "203.0.113.\(100 + attempt)"]
            statuses.append(try await client.post("/api/auth/login", Self.login).status)
        }
        #expect(statuses == [200, 200, 200, 200, 200, 200])
        // Garbage in the chain: the proxy itself stays the client.
        proxied.headers = ["X-Forwarded-For": "not-an-address"]
        let garbage = try await proxied.post("/api/auth/login", Self.login)
        let me = try await APIClient(port: controller.port, bearer: garbage.object["access_token"] as? String).get("/api/auth/me")
        #expect((me.object["connection"] as? [String: Any])?["client_ip"] as? String == "127.0.0.1")
    }

    @Test func aThousandCreatesWithAnAPITokenMeetNoLimit() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let admin = try await controller.loggedIn()
        let token = try #require(try await admin.post("/api/tokens", ["name": "terraform"]).object["token"] as? String)
        let automation = APIClient(port: controller.port, bearer: token)
        let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var statuses: [Int] = []
                    for index in stride(from: worker, to: 1000, by: 4) {
                        let body: [String: Any] = ["domain_names": ["bulk\(index).test"], "forward_host": "192.0.2.10", "forward_port": 8080]
                        statuses.append(try await automation.post("/api/proxy-hosts", body).status)
                    }
                    return statuses
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(statuses.count == 1000)
        #expect(statuses.allSatisfy { $0 == 201 }, "\(Dictionary(grouping: statuses, by: { $0 }).mapValues(\.count))")
        #expect(try await automation.get("/api/proxy-hosts?limit=1").object["total"] as? Int == 1000)
    }

    @Test func aLimitedCredentialDoesNotSlowAnother() async throws {
        let controller = try ControllerProcess(extraEnvironment: ["POSTERNPROXY_RATE_LIMIT": "5"])
        defer { controller.remove() }
        let admin = try await controller.loggedIn()
        let token = try #require(try await admin.post("/api/tokens", ["name": "script"]).object["token"] as? String)
        let script = APIClient(port: controller.port, bearer: token)
        var statuses: [Int] = []
        for _ in 0..<6 { statuses.append(try await script.get("/api/proxy-hosts").status) }
        #expect(statuses == [200, 200, 200, 200, 200, 429])
        // The admin's session has its own budget (one request spent creating the token).
        #expect(try await admin.get("/api/proxy-hosts").status == 200)
    }

    @Test func wrongPasswordsLockTheAccountWithAGrowingDelayFromAnyAddress() async throws {
        let controller = try ControllerProcess(extraEnvironment: ["POSTERNPROXY_TRUSTED_PROXIES": "127.0.0.1"])
        defer { controller.remove() }
        func attempt(from address: String, email: String = ControllerProcess.adminEmail.uppercased(), password: String) async throws
            -> APIClient.Answer
        {
            var client = APIClient(port: controller.port)
            client.headers = ["X-Forwarded-For": address]
            return try await client.post("/api/auth/login", ["email": email, "password": password])
        }
        var statuses: [Int] = []
        for index in 0..<5 { statuses.append(try await attempt(from: "198.51.100.\(index + 1)", password: "wrong password").status) }
        #expect(statuses == [401, 401, 401, 401, 401])
        // Each address is far from its own limit; the account is not.
        let locked = try await attempt(from: "198.51.100.50", password: ControllerProcess.adminPassword)
        #expect(locked.status == 429)
        let wait = try #require(Int(locked.headers["retry-after"] ?? ""))
        #expect(wait > 1 && wait <= 30)
        #expect((locked.object["error"] as? [String: Any])?["message"] as? String == "too many wrong passwords for this account; retry in \(wait) s")
        // Another account is untouched.
        let other = try await attempt(from: "198.51.100.60", email: "someone.else@example.test", password: "x")
        #expect(other.status == 401)
    }

    @Test func unauthenticatedGuessingFromOneAddressMeetsTheLimit() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        // 120 a minute, refilled continuously: a quick run of guesses meets 429 soon after the
        // 120th (however slow the machine), and never before it.
        var statuses: [Int] = []
        var limited: APIClient.Answer?
        for index in 0..<400 where limited == nil {
            let answer = try await APIClient(port: controller.port, bearer: "ppt_guess\(index)").get("/api/proxy-hosts")
            statuses.append(answer.status)
            if answer.status == 429 { limited = answer }
        }
        #expect(statuses.prefix(120).allSatisfy { $0 == 401 })
        let refusal = try #require(limited)
        #expect(Int(refusal.headers["retry-after"] ?? "") ?? 0 >= 1)
    }

    @Test func aUserIsSignedOutEverywhereButKeepsTheirAPITokens() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let admin = try await controller.loggedIn()
        let created = try await admin.post("/api/users", ["email": "ops@example.test", "name": "Ops", "password": "ops password 1", "role": "admin"])
        let userID = try #require(created.id)
        var laptop = APIClient(port: controller.port)
        laptop.headers["User-Agent"] = "Laptop Browser/1.0"
        let first = try await laptop.post("/api/auth/login", ["email": "ops@example.test", "password": "ops password 1"])
        let second = try await controller.loggedIn(email: "ops@example.test", password: "ops password 1")
        let ops = APIClient(port: controller.port, bearer: first.object["access_token"] as? String)
        let token = try #require(try await ops.post("/api/tokens", ["name": "ops script"]).object["token"] as? String)

        let listed = try await ops.get("/api/users/\(userID)/sessions")
        #expect(listed.object["total"] as? Int == 2)
        #expect(listed.items.contains { $0["user_agent"] as? String == "Laptop Browser/1.0" && $0["current"] as? Bool == true })
        #expect(listed.items.allSatisfy { $0["client_ip"] as? String == "127.0.0.1" && $0["access_hash"] == nil && $0["refresh_hash"] == nil })

        // A viewer sees only their own sessions and signs out nobody else.
        _ = try await admin.post("/api/users", ["email": "viewer@example.test", "name": "V", "password": "viewer password", "role": "viewer"])
        let viewer = try await controller.loggedIn(email: "viewer@example.test", password: "viewer password")
        #expect(try await viewer.get("/api/users/\(userID)/sessions").status == 403)
        #expect(try await viewer.delete("/api/users/\(userID)/sessions").status == 403)
        #expect(try await admin.delete("/api/users/999999/sessions").status == 404)

        let ended = try await admin.delete("/api/users/\(userID)/sessions")
        #expect(ended.status == 200)
        #expect(ended.object["ended"] as? Int == 2)
        #expect(try await ops.get("/api/auth/me").status == 401)
        #expect(try await second.get("/api/auth/me").status == 401)
        #expect(
            try await APIClient(port: controller.port).post("/api/auth/refresh", ["refresh_token": first.object["refresh_token"] as Any]).status
                == 401)
        #expect(try await APIClient(port: controller.port, bearer: token).get("/api/auth/me").status == 200)
        let audit = try await admin.get("/api/audit-log?action=end_sessions")
        #expect(audit.items.first?["resource_id"] as? Int == Int(userID))
    }

    @Test func oneSessionIsEndedAndTheOthersGoOn() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let admin = try await controller.loggedIn()
        let created = try await admin.post(
            "/api/users", ["email": "ops@example.test", "name": "Ops", "password": "ops password 1", "role": "viewer"])
        let userID = try #require(created.id)
        let laptop = try await controller.loggedIn(email: "ops@example.test", password: "ops password 1")
        let phone = try await controller.loggedIn(email: "ops@example.test", password: "ops password 1")
        let sessions = try await laptop.get("/api/users/\(userID)/sessions").items
        let phoneSession = try #require(sessions.first { $0["current"] as? Bool == false }?["id"] as? Int)
        let adminSession = try #require(try await admin.get("/api/users/1/sessions").items.first?["id"] as? Int)

        // Nobody ends another user's session through their own id, and a viewer ends no one else's.
        #expect(try await laptop.delete("/api/users/1/sessions/\(adminSession)").status == 403)
        #expect(try await laptop.delete("/api/users/\(userID)/sessions/\(adminSession)").status == 404)
        #expect(try await laptop.delete("/api/users/\(userID)/sessions/not-a-number").status == 404)
        #expect(try await admin.get("/api/auth/me").status == 200)

        #expect(try await laptop.delete("/api/users/\(userID)/sessions/\(phoneSession)").status == 204)
        #expect(try await phone.get("/api/auth/me").status == 401)
        #expect(try await laptop.get("/api/auth/me").status == 200)
        #expect(try await laptop.get("/api/users/\(userID)/sessions").items.count == 1)
        #expect(try await laptop.delete("/api/users/\(userID)/sessions/\(phoneSession)").status == 404)
        // An admin ends anyone's.
        let laptopSession = try #require(try await laptop.get("/api/users/\(userID)/sessions").items.first?["id"] as? Int)
        #expect(try await admin.delete("/api/users/\(userID)/sessions/\(laptopSession)").status == 204)
        #expect(try await laptop.get("/api/auth/me").status == 401)
        let audit = try await admin.get("/api/audit-log?action=end_session")
        #expect(audit.items.count == 2)
    }

    @Test func changingOnesPasswordIsThrottledLikeALogin() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let admin = try await controller.loggedIn()
        var statuses: [Int] = []
        for _ in 0..<6 {
            statuses.append(
                try await admin.put("/api/users/me/password", ["current_password": "wrong password", "new_password": "new password 1"]).status)
        }
        #expect(statuses == [400, 400, 400, 400, 400, 429])
        let refused = try await admin.put(
            "/api/users/me/password", ["current_password": ControllerProcess.adminPassword, "new_password": "new password 1"])
        #expect(refused.status == 429)
        #expect(refused.headers["retry-after"] != nil)
    }

    @Test func aMalformedTrustedProxyListStopsTheStartNamingTheVariable() throws {
        for hostile in ["10.0.0.0/8, garbage", "10.0.0.0/33", "{env.HOME}", "10.0.0.1/8/8"] {
            let result = try LocalTarget().run(
                TargetCommand(
                    argv: [
                        "env", "POSTERNPROXY_TRUSTED_PROXIES=\(hostile)",
                        "POSTERNPROXY_LISTEN=127.0.0.1:\(try FreePort.next())", TestEnvironment.commandPath, "serve",
                    ],
                    timeout: .seconds(30)), onLine: { _ in }, isCancelled: { false })
            #expect(result.exitStatus != 0)
            #expect(String(decoding: result.standardError, as: UTF8.self).contains("POSTERNPROXY_TRUSTED_PROXIES"), "\(hostile)")
        }
    }
}
