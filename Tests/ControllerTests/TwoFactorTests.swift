import Foundation
import Host
import TestSupport
import Testing

@testable import Controller

/// The pieces of two-factor login against their standards: RFC 6238's test vectors, base32, and
/// the QR code read back by a real decoder (zbarimg).
@Suite struct TwoFactorPieceTests {
    @Test func totpMatchesRFC6238() {
        let secret = Array("12345678901234567890".utf8)
        // RFC 6238 appendix B (SHA-1), the last six digits of its eight.
        for (time, expected) in [(59.0, "287082"), (1111111109, "081804"), (1111111111, "050471"), (1234567890, "005924"), (2000000000, "279037")] {
            #expect(TOTP.code(secret: secret, step: TOTP.step(at: Date(timeIntervalSince1970: time))) == expected)
        }
        let now = Date(timeIntervalSince1970: 1_234_567_890)
        let step = TOTP.step(at: now)
        #expect(TOTP.accept("005924", secret: secret, now: now, lastAccepted: nil) == step)
        #expect(TOTP.accept("005 924", secret: secret, now: now, lastAccepted: nil) == step)
        #expect(TOTP.accept("005924", secret: secret, now: now, lastAccepted: step) == nil)
        #expect(TOTP.accept(TOTP.code(secret: secret, step: step - 2), secret: secret, now: now, lastAccepted: nil) == nil)
        #expect(TOTP.accept(TOTP.code(secret: secret, step: step + 1), secret: secret, now: now, lastAccepted: nil) == step + 1)
        for hostile in ["", "12345", "1234567", "abcdef", "00592４", "{env.HOME}"] {
            #expect(TOTP.accept(hostile, secret: secret, now: now, lastAccepted: nil) == nil)
        }
    }

    @Test func base32RoundTripsAndRefusesOtherLetters() {
        #expect(Base32.encode(Array("12345678901234567890".utf8)) == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
        #expect(Base32.encode(Array("f".utf8)) == "MY")
        for length in 0..<24 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255) }
            #expect(Base32.decode(Base32.encode(bytes)) == bytes)
        }
        #expect(Base32.decode("gezd gnbv") == Base32.decode("GEZDGNBV"))
        #expect(Base32.decode("GEZ1") == nil)
    }

    @Test func qrCodesOfEverySizeReadBackAsTheirText() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // Lengths that need versions 1 to 20, and an otpauth URI as enrolment makes it.
        var texts = [1, 14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412, 450, 504, 560, 624, 666].map { length in
            String((0..<length).map { index in Array("ABCdef0123-_.~:/?=&%")[index % 20] })
        }
        texts.append(TOTP.provisioningURI(secret: TOTP.newSecret(), account: "admin+ops@example.test"))
        texts.append("grüße, ünïcödé ✓")
        for text in texts {
            let code = try #require(QRCode(text), "\(text.count)")
            #expect(try QRDecoder.read(code, in: folder) == text)
        }
        #expect(QRCode(String(repeating: "x", count: QRCode.maximumBytes + 1)) == nil)
    }
}

/// Reads a QR code as a phone does: the modules drawn into a greyscale picture, decoded by zbarimg.
enum QRDecoder {
    static func read(_ code: QRCode, in folder: TemporaryFolder, scale: Int = 4) throws -> String {
        try read(rows: code.rows, in: folder, scale: scale)
    }

    /// The same from rows of `0` and `1`, as the enrolment answer carries them.
    static func read(rows: [String], in folder: TemporaryFolder, scale: Int = 4) throws -> String {
        let size = rows.count
        let dark = rows.map { $0.map { $0 == "1" } }
        let side = (size + 8) * scale
        var pixels = [UInt8](repeating: 255, count: side * side)
        for y in 0..<size {
            for x in 0..<size where dark[y][x] {
                for dy in 0..<scale {
                    for dx in 0..<scale { pixels[((y + 4) * scale + dy) * side + (x + 4) * scale + dx] = 0 }
                }
            }
        }
        return try read(pgm: Data("P5\n\(side) \(side)\n255\n".utf8) + Data(pixels), in: folder)
    }

    static func read(pgm: Data, in folder: TemporaryFolder) throws -> String {
        let path = folder.file("qr-\(UUID().uuidString).pgm")
        try pgm.write(to: URL(fileURLWithPath: path))
        let result = try LocalTarget().run(
            TargetCommand(argv: ["zbarimg", "--raw", "-q", "-Sbinary", path], timeout: .seconds(20)), onLine: { _ in }, isCancelled: { false })
        guard result.exitStatus == 0 else {
            throw TestSetupError("zbarimg found no QR code: \(String(decoding: result.standardError, as: UTF8.self))")
        }
        var text = String(decoding: result.standardOutput, as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}

/// Two-factor login through the API, as a user and an authenticator app do it
/// (Tests/Fixtures/totp.py computes the codes, apart from the controller's own TOTP). The
/// controllers trust 127.0.0.1 as a proxy, so each login can come from an address of its own and
/// these many logins stay under the per-address limit (the per-account one still applies).
@Suite(.serialized) struct TwoFactorTests {
    static let environment = ["POSTERNPROXY_TRUSTED_PROXIES": "127.0.0.1"]

    static func code(_ secret: String, offset: Int = 0) throws -> String {
        let result = try LocalTarget().run(
            TargetCommand(argv: ["python3", TestEnvironment.packageRoot + "/Tests/Fixtures/totp.py", secret, String(offset)]),
            onLine: { _ in }, isCancelled: { false })
        return String(decoding: result.standardOutput, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func login(
        _ port: Int, email: String = ControllerProcess.adminEmail, password: String = ControllerProcess.adminPassword,
        extra: [String: Any] = [:]
    ) async throws -> APIClient.Answer {
        var client = APIClient(port: port)
        client.headers["X-Forwarded-For"] = "198.51.100.\(Int.random(in: 1...254))"
        return try await client.post("/api/auth/login", ["email": email, "password": password].merging(extra) { $1 })
    }

    /// Enrols the logged-in `client`'s account; returns the secret and the backup codes.
    static func enrol(_ client: APIClient, password: String = ControllerProcess.adminPassword) async throws -> (secret: String, backupCodes: [String])
    {
        let started = try await client.post("/api/users/me/two-factor", ["password": password])
        let secret = try #require(started.object["secret"] as? String)
        // The current step's code: accepted even if a step boundary passes before it arrives.
        let confirmed = try await client.post("/api/users/me/two-factor/confirm", ["code": try code(secret)])
        return (secret, try #require(confirmed.object["backup_codes"] as? [String]))
    }

    @Test func enrolmentShowsAQRCodeAndTheFirstCodeTurnsItOn() async throws {
        let controller = try ControllerProcess(extraEnvironment: Self.environment)
        defer { controller.remove() }
        let admin = try await controller.loggedIn()
        #expect(try await admin.get("/api/users/me/two-factor").object["enabled"] as? Bool == false)
        let wrongPassword = try await admin.post("/api/users/me/two-factor", ["password": "not my password"])
        #expect(wrongPassword.status == 400 && wrongPassword.errorField == "password")
        #expect(try await admin.get("/api/users/me/two-factor/qr.svg").status == 409)

        let started = try await admin.post("/api/users/me/two-factor", ["password": ControllerProcess.adminPassword])
        #expect(started.status == 201)
        let secret = try #require(started.object["secret"] as? String)
        let uri = try #require(started.object["otpauth_uri"] as? String)
        #expect(uri.hasPrefix("otpauth://totp/PosternProxy:admin%40example.test?secret=\(secret)&"))
        // The SVG, drawn by a browser-free rasterizer of its own path, reads back as the URI.
        let svg = try await admin.get("/api/users/me/two-factor/qr.svg")
        #expect(svg.headers["content-type"] == "image/svg+xml")
        #expect(svg.headers["cache-control"] == "no-store")
        #expect(try Self.readSVG(svg.body) == uri)
        // The same code as rows of modules, which the web UI draws itself.
        let rows = try #require(started.object["qr_modules"] as? [String])
        #expect(rows.count >= 21 && rows.allSatisfy { $0.count == rows.count && $0.allSatisfy { $0 == "0" || $0 == "1" } })
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        #expect(try QRDecoder.read(rows: rows, in: folder) == uri)
        #expect(try await admin.get("/api/users/me/two-factor").object["pending"] as? Bool == true)
        // Until the first code, logging in needs no code.
        #expect(try await Self.login(controller.port).status == 200)

        let wrong = try await admin.post("/api/users/me/two-factor/confirm", ["code": "000000"])
        #expect(wrong.status == 400 && wrong.errorField == "code")
        let confirmed = try await admin.post("/api/users/me/two-factor/confirm", ["code": try Self.code(secret)])
        #expect(confirmed.status == 200)
        let codes = try #require(confirmed.object["backup_codes"] as? [String])
        #expect(codes.count == 10 && Set(codes).count == 10)
        #expect(try await admin.get("/api/users/me/two-factor/qr.svg").status == 409)  // an active secret is never shown again
        #expect(try await admin.post("/api/users/me/two-factor", ["password": ControllerProcess.adminPassword]).status == 409)
        let status = try await admin.get("/api/users/me/two-factor").object
        #expect(status["enabled"] as? Bool == true && status["backup_codes_left"] as? Int == 10)
        #expect(try await admin.get("/api/auth/me").object["two_factor_enabled"] as? Bool == true)
        let audit = try await admin.get("/api/audit-log?action=enable_two_factor")
        #expect(audit.items.count == 1)
    }

    @Test func loginNeedsAFreshCodeOrAnUnusedBackupCode() async throws {
        let controller = try ControllerProcess(extraEnvironment: Self.environment)
        defer { controller.remove() }
        let admin = try await controller.loggedIn()
        let token = try #require(try await admin.post("/api/tokens", ["name": "automation"]).object["token"] as? String)
        let (secret, backupCodes) = try await Self.enrol(admin)

        let bare = try await Self.login(controller.port)
        #expect(bare.status == 401 && bare.errorCode == "two_factor_required")
        #expect(bare.headers["set-cookie"] == nil)
        // The next step's code: newer than the one enrolment used, and inside the ±1 step window.
        let current = try Self.code(secret, offset: 1)
        let good = try await Self.login(controller.port, extra: ["totp_code": current])
        #expect(good.status == 200 && good.object["access_token"] != nil)
        let replayed = try await Self.login(controller.port, extra: ["totp_code": current])
        #expect(replayed.status == 401 && replayed.errorCode == "two_factor_invalid")
        let expired = try await Self.login(controller.port, extra: ["totp_code": try Self.code(secret, offset: -4)])
        #expect(expired.status == 401 && expired.errorCode == "two_factor_invalid")
        // The wrong password is refused before any code is asked for.
        #expect(try await Self.login(controller.port, password: "wrong password").errorCode == "unauthorized")

        let backup = try await Self.login(controller.port, extra: ["backup_code": backupCodes[0].uppercased()])
        #expect(backup.status == 200)
        #expect(try await Self.login(controller.port, extra: ["backup_code": backupCodes[0]]).errorCode == "two_factor_invalid")
        #expect(try await admin.get("/api/users/me/two-factor").object["backup_codes_left"] as? Int == 9)
        let fresh = try #require(
            try await admin.post("/api/users/me/two-factor/backup-codes", ["password": ControllerProcess.adminPassword]).object["backup_codes"]
                as? [String])
        #expect(try await Self.login(controller.port, extra: ["backup_code": backupCodes[1]]).errorCode == "two_factor_invalid")
        #expect(try await Self.login(controller.port, extra: ["backup_code": fresh[1]]).status == 200)

        // API tokens are unaffected.
        #expect(try await APIClient(port: controller.port, bearer: token).get("/api/proxy-hosts").status == 200)
        let factors = try await APIClient(port: controller.port, bearer: token).get("/api/audit-log?action=login").items
            .compactMap { ($0["details"] as? [String: Any])?["second_factor"] as? String }
        #expect(Set(factors) == ["none", "totp", "backup_code"])
        for hostile in ["{env.HOME}", "' OR 1=1 --", String(repeating: "9", count: 5000), "12345\u{0}6"] {
            #expect(try await Self.login(controller.port, extra: ["totp_code": hostile]).status != 200)
        }
    }

    @Test func wrongCodesCountAgainstTheAccount() async throws {
        let controller = try ControllerProcess(extraEnvironment: ["POSTERNPROXY_TRUSTED_PROXIES": "127.0.0.1"])
        defer { controller.remove() }
        let admin = try await controller.loggedIn()
        let (secret, _) = try await Self.enrol(admin)
        var statuses: [Int] = []
        for index in 0..<6 {
            var client = APIClient(port: controller.port)
            client.headers = ["X-Forwarded-For": "198.51.100.\(index + 1)"]
            statuses.append(
                try await client.post(
                    "/api/auth/login",
                    [
                        "email": ControllerProcess.adminEmail, "password": ControllerProcess.adminPassword,
                        "totp_code": "000000",
                    ]
                ).status)
        }
        #expect(statuses == [401, 401, 401, 401, 401, 429])
        var client = APIClient(port: controller.port)
        client.headers = ["X-Forwarded-For": "198.51.100.99"]
        #expect(
            try await client.post(
                "/api/auth/login",
                [
                    "email": ControllerProcess.adminEmail, "password": ControllerProcess.adminPassword,
                    "totp_code": try Self.code(secret),
                ]
            ).status == 429)
    }

    @Test func anAdminRecoversAnotherUsersAccount() async throws {
        let controller = try ControllerProcess(extraEnvironment: Self.environment)
        defer { controller.remove() }
        let admin = try await controller.loggedIn()
        let userID = try #require(
            try await admin.post("/api/users", ["email": "ops@example.test", "name": "Ops", "password": "ops password 1", "role": "admin"]).id)
        _ = try await admin.post("/api/users", ["email": "viewer@example.test", "name": "V", "password": "viewer password", "role": "viewer"])
        let ops = try await controller.loggedIn(email: "ops@example.test", password: "ops password 1")
        _ = try await Self.enrol(ops, password: "ops password 1")
        #expect(try await Self.login(controller.port, email: "ops@example.test", password: "ops password 1").errorCode == "two_factor_required")

        let viewer = try await controller.loggedIn(email: "viewer@example.test", password: "viewer password")
        #expect(try await viewer.delete("/api/users/\(userID)/two-factor").status == 403)
        #expect(try await admin.delete("/api/users/1/two-factor").status == 403)  // not oneself: use the password route
        #expect(try await admin.delete("/api/users/999999/two-factor").status == 404)
        #expect(try await admin.delete("/api/users/\(userID)/two-factor").status == 204)
        #expect(try await ops.get("/api/auth/me").status == 401)  // their sessions ended
        #expect(try await Self.login(controller.port, email: "ops@example.test", password: "ops password 1").status == 200)
        #expect(try await admin.get("/api/audit-log?action=reset_two_factor").items.first?["resource_id"] as? Int == Int(userID))

        // Turning one's own off needs the password.
        let (_, _) = try await Self.enrol(admin)
        #expect(try await admin.post("/api/users/me/two-factor/disable", ["password": "wrong password"]).errorField == "password")
        #expect(
            try await admin.post("/api/users/me/two-factor/disable", ["password": ControllerProcess.adminPassword]).object["enabled"] as? Bool
                == false)
        #expect(try await Self.login(controller.port).status == 200)
    }

    @Test func anAdminCanRequireItForEveryoneButNotForAPITokens() async throws {
        let controller = try ControllerProcess(extraEnvironment: Self.environment)
        defer { controller.remove() }
        let admin = try await controller.loggedIn()
        _ = try await admin.post("/api/users", ["email": "ops@example.test", "name": "Ops", "password": "ops password 1", "role": "admin"])
        let ops = try await controller.loggedIn(email: "ops@example.test", password: "ops password 1")
        let token = try #require(try await ops.post("/api/tokens", ["name": "ops script"]).object["token"] as? String)
        #expect(try await admin.put("/api/settings/require_two_factor", ["value": "yes"]).errorField == "value")
        #expect(try await admin.put("/api/settings/require_two_factor", ["value": "true"]).status == 200)

        let held = try await ops.get("/api/proxy-hosts")
        #expect(held.status == 403 && held.errorCode == "two_factor_enrolment_required")
        #expect(try await ops.get("/api/auth/me").status == 200)
        #expect(try await APIClient(port: controller.port, bearer: token).get("/api/proxy-hosts").status == 200)
        _ = try await Self.enrol(ops, password: "ops password 1")
        #expect(try await ops.get("/api/proxy-hosts").status == 200)
        #expect(try await ops.post("/api/users/me/two-factor/disable", ["password": "ops password 1"]).status == 409)
        // The admin who turned it on is held back too until enrolled.
        #expect(try await admin.get("/api/proxy-hosts").errorCode == "two_factor_enrolment_required")
        // It is not part of any server's desired state.
        let servers = try await APIClient(port: controller.port, bearer: token).get("/api/servers").items
        #expect(servers.first?["desired_revision"] as? Int == 1)
    }

    @Test func aMethodALiteralPathLacksGets405WithThatPathsMethods() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let admin = try await controller.loggedIn()
        // `/api/users/me/two-factor` is not `/api/users/{id}/two-factor`, which has DELETE.
        let answer = try await admin.delete("/api/users/me/two-factor")
        #expect(answer.status == 405)
        #expect(answer.headers["allow"] == "GET, POST")
        #expect(try await admin.delete("/api/users/2/two-factor").status == 404)
    }

    /// Rasterizes the controller's SVG (its path is a list of `Mx,yh1v1h-1z` squares) and reads it.
    static func readSVG(_ body: Data) throws -> String {
        let text = String(decoding: body, as: UTF8.self)
        guard let viewBox = text.range(of: #"viewBox="0 0 (\d+) \d+""#, options: .regularExpression),
            let side = Int(text[viewBox].split(separator: " ")[2])
        else { throw TestSetupError("no viewBox in \(text.prefix(200))") }
        let scale = 4, width = side * scale
        var pixels = [UInt8](repeating: 255, count: width * width)
        let squares = try Regex(#"M(\d+),(\d+)h1v1h-1z"#)
        for match in text.matches(of: squares) {
            let x = Int(match.output[1].substring!)!, y = Int(match.output[2].substring!)!
            for dy in 0..<scale { for dx in 0..<scale { pixels[(y * scale + dy) * width + x * scale + dx] = 0 } }
        }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        return try QRDecoder.read(pgm: Data("P5\n\(width) \(width)\n255\n".utf8) + Data(pixels), in: folder)
    }
}
