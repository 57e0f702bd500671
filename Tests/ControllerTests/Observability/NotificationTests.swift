import Foundation
import Testing
import TestSupport

/// Notifications reach webhooks: a receiver started by the test hears "send test", a server
/// going offline when its agent is killed, and a certificate about to expire, in the formats
/// receivers expect; a target the rules refuse is refused naming the field, and nothing is
/// stored; a receiver that fails shows as failed.
@Suite(.serialized) struct NotificationTests {
    final class Receiver {
        let port: Int
        let process: ChildProcess

        init(in folder: String, status: Int = 204) throws {
            port = try FreePort.next()
            process = try ChildProcess(
                ["python3", TestEnvironment.fixture("webhook_receiver.py"), String(port), String(status)], in: folder, logName: "receiver-\(status)")
            try process.wait(until: { HTTPProbe.canConnect(port: self.port) }, what: "the webhook receiver")
        }

        var requests: [[String: Any]] {
            process.output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }

        /// The generic-format bodies received, as objects.
        var events: [[String: Any]] {
            requests.compactMap { ($0["body"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] } }
        }

        func stop() { process.stop() }
    }

    @Test func hostileTargetsAreRefusedNamingTheFieldAndNothingIsStored() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let admin = try await controller.loggedIn()
        for (body, field) in [
            (["name": "a", "url": "file:///etc/passwd"], "url"), (["name": "a", "url": "gopher://example.test/"], "url"),
            (["name": "a", "url": "http://169.254.169.254/latest/meta-data/"], "url"),
            (["name": "a", "url": "http://metadata.google.internal/"], "url"),
            (["name": "a", "url": "http://127.0.0.1:9/hook"], "url"), (["name": "a", "url": "http://[::1]:9/hook"], "url"),
            (["name": "a", "url": "http://0x7f.1:9/hook"], "url"), (["name": "a", "url": "http://10.1.2.3/hook"], "url"),
            (["name": "a", "url": "http://user:secret@example.test/hook"], "url"),
            (["name": "a", "url": "http://127.0.0.1:\(controller.port)/api/users", "allow_private_target": true], "url"),
            (["name": "a", "url": "https://hooks.example.test/x", "format": "xml"], "format"),
            (["name": "a", "url": "https://hooks.example.test/x", "events": ["rm -rf"]], "events"),
            (["name": "a", "url": "https://hooks.example.test/x", "events": []], "events"),
            (["name": "bad\u{0}name", "url": "https://hooks.example.test/x"], "name"),
        ] as [([String: Any], String)] {
            let answer = try await admin.post("/api/webhooks", body)
            #expect(answer.status == 400 && answer.errorField == field, "\(body): \(answer.status) \(answer.object)")
        }
        #expect(try await admin.get("/api/webhooks").object["total"] as? Int == 0)
        // A public target is fine; viewers do not see webhooks.
        let created = try await admin.post("/api/webhooks", ["name": "ops", "url": "https://hooks.example.test/x", "format": "slack"])
        #expect(created.status == 201 && created.object["format"] as? String == "slack")
        #expect((created.object["events"] as? [String])?.contains("server_offline") == true)
    }

    @Test func aReceiverHearsTestOfflineAndExpiryAndAFailingOneShowsFailed() async throws {
        let setup = try await MultiServerSetup(environment: ["POSTERNPROXY_EXPIRY_CHECK_SECONDS": "1"])
        defer { setup.remove() }
        let receiver = try Receiver(in: setup.controller.folder.path)
        defer { receiver.stop() }
        let hook = try await setup.client.post(
            "/api/webhooks",
            [
                "name": "receiver", "url": "http://127.0.0.1:\(receiver.port)/hook", "allow_private_target": true,
                "events": ["server_offline", "server_online", "certificate_expiring"],
            ])
        #expect(hook.status == 201, "\(hook.object)")
        let hookID = try #require(hook.id)

        let tested = try await setup.client.post("/api/webhooks/\(hookID)/test")
        #expect(tested.object["delivered"] as? Bool == true, "\(tested.object)")
        #expect(receiver.events.contains { $0["event"] as? String == "test" })
        #expect(receiver.requests.first?["content_type"] as? String == "application/json")
        let listed = try await setup.client.get("/api/webhooks").items.first
        #expect(listed?["last_status"] as? String == "delivered")

        // An agent killed: the server goes offline, and the receiver hears of it within the offline timeout (4 s) + 5 s.
        let (remote, remoteID) = try await setup.addRemote("edge")
        try await setup.converged(remoteID)
        remote.killAgent()
        try await eventually("the receiver hears that edge went offline", seconds: 9) {
            receiver.events.contains { $0["event"] as? String == "server_offline" && $0["server"] as? String == "edge" }
        }

        // A certificate that expires in 5 days (within the default 14).
        let soon = try TestCertificates.selfSigned("soon", for: ["soon.example.test"], in: setup.controller.folder.path, days: 5)
        let certificate = try await setup.client.post(
            "/api/certificates",
            [
                "provider": "other", "nice_name": "soon-cert", "certificate": try String(contentsOfFile: soon.certificate, encoding: .utf8),
                "certificate_key": try String(contentsOfFile: soon.key, encoding: .utf8),
            ])
        #expect(certificate.status == 201, "\(certificate.object)")
        try await eventually("the receiver hears that soon-cert expires", seconds: 15) {
            receiver.events.contains { $0["event"] as? String == "certificate_expiring" && ($0["text"] as? String)?.contains("soon-cert") == true }
        }

        // A receiver that answers 500 shows as failed, with the reason.
        let failing = try Receiver(in: setup.controller.folder.path, status: 500)
        defer { failing.stop() }
        let broken = try await setup.client.post(
            "/api/webhooks",
            ["name": "broken", "url": "http://127.0.0.1:\(failing.port)/hook", "allow_private_target": true, "format": "discord"])
        let brokenID = try #require(broken.id)
        let refused = try await setup.client.post("/api/webhooks/\(brokenID)/test")
        #expect(refused.object["delivered"] as? Bool == false && (refused.object["error"] as? String)?.contains("500") == true)
        let discord = failing.events.first
        #expect((discord?["content"] as? String)?.contains("A test notification") == true)
        let shown = try await setup.client.get("/api/webhooks").items.first { $0["id"] as? NSNumber == NSNumber(value: brokenID) }
        #expect(shown?["last_status"] as? String == "failed" && (shown?["last_error"] as? String)?.contains("500") == true)
    }

    @Test(arguments: ["desktop", "phone"])
    func anAdminAddsAWebhookInSettingsAndSendsATest(viewport: String) async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let receiver = try Receiver(in: controller.folder.path)
        defer { receiver.stop() }
        let output = try await LocalBrowserScript.run(
            "notifications.py", screenshots: "ui-screenshots/notifications-\(viewport)",
            settings: [
                "url": "http://localhost:\(controller.port)", "email": ControllerProcess.adminEmail, "password": ControllerProcess.adminPassword,
                "receiver": "http://127.0.0.1:\(receiver.port)/hook", "viewport": viewport,
            ])
        for check in [
            "a refused URL shows its reason next to the field", "a webhook is added and its test delivery shows in its row", "no script errors",
        ] {
            #expect(output.contains("ok \(check)"), "missing: \(check)")
        }
        let body = receiver.requests.first?["body"] as? String
        #expect(body.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }?["text"] as? String != nil)
    }
}
