import Foundation
import Host
import Testing
import TestSupport

/// The admin from another machine: Chromium runs in a network namespace of its own, so its page
/// is at the controller's network address (`http://10.x.y.1:port`), where a browser keeps no
/// `Secure` cookie, as it is for anyone who installs the controller on a server
/// (Tests/Browser/remote_admin.py).
@Suite(.serialized) struct RemoteAdminTests {
    @Test func aBrowserOnAnotherMachineLogsInOverPlainHTTPAndOverHTTPS() async throws {
        let desk = try LinkedNamespace(prefix: "ppdesk", network: "10.61")
        defer { desk.remove() }
        let port = try FreePort.next(), tlsPort = try FreePort.next()
        let controller = try ControllerProcess(
            extraEnvironment: ["POSTERNPROXY_LISTEN": "0.0.0.0:\(port)", "POSTERNPROXY_TLS_LISTEN": "0.0.0.0:\(tlsPort)"],
            port: port)
        defer { controller.remove() }
        // What INITIAL SETUP printed is what the admin compares and pins.
        let lines = controller.output.split(separator: "\n")
        let fingerprint = try #require(lines.first { $0.contains("SHA-256:") }?.split(separator: " ").last.map(String.init))
        let pin = try #require(lines.first { $0.contains("key pin:") }?.split(separator: " ").last.map(String.init))
        try await eventually("the HTTPS listener accepts connections") { HTTPProbe.canConnect(port: tlsPort) }
        // A token made before the browser turns two-factor login on, to read the audit log after.
        let token = try #require(try await APIClient.loggedIn(port: port).post("/api/tokens", ["name": "audit reader"]).object["token"] as? String)
        let screenshots = "\(TestEnvironment.packageRoot)/.build/ui-screenshots"
        try FileManager.default.createDirectory(atPath: screenshots, withIntermediateDirectories: true)
        let settings: [String: Any] = [
            "url": "http://\(desk.hostAddress):\(port)", "email": ControllerProcess.adminEmail, "password": ControllerProcess.adminPassword,
            "new_password": "a new password 2", "screenshots": screenshots,
            "https": ["url": "https://\(desk.hostAddress):\(tlsPort)", "fingerprint": fingerprint, "pin": pin],
        ]
        let browser = try await BrowserScript.run("remote_admin.py", in: desk, settings: settings)
        let output = browser.output
        #expect(browser.exitStatus == 0, "\(output)\n\(browser.errors)")
        for check in [
            "the login page warns that the connection is not encrypted", "logged in over plain HTTP from another machine",
            "the session survives a reload", "the banner can be dismissed and stays dismissed",
            "a wrong current password is shown next to its field", "the password was changed in the UI",
            "signing out everywhere ends this session too", "the new password logs in and the old one does not", "no script errors",
            "the enrolment QR code reads back as the key shown beside it", "two-factor login turned on in the UI with ten backup codes",
            "logged in with the password and the authenticator's code", "logged in over HTTPS with a backup code",
            "logged in over HTTPS with the certificate pinned by its key", "Settings shows the certificate's fingerprint and an encrypted connection",
        ] {
            #expect(output.contains("ok \(check)"), "missing: \(check)")
        }
        // The audit log saw the browser's own address, not loopback.
        let logins = try await APIClient(port: port, bearer: token).get("/api/audit-log?action=login").items
        #expect(logins.contains { $0["client_ip"] as? String == desk.address })
    }
}
