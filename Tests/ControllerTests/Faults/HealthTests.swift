import Foundation
import Testing
import TestSupport

/// `GET /api/health` answers without credentials: up, or degraded with reasons in general
/// terms that name no server, path or user.
@Suite struct HealthTests {
    @Test func healthSaysUpOrDegradedAndWhyWithoutCredentialsOrNames() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let anonymous = APIClient(port: controller.port)
        let up = try await anonymous.get("/api/health")
        #expect(up.status == 200 && up.object["status"] as? String == "up", "\(up.object)")
        #expect(up.headers["cache-control"] == "no-store")
        let checks = up.object["checks"] as? [String: Any]
        #expect(checks?["database"] as? String == "writable" && checks?["disk"] as? String == "ok" && checks?["local_caddy"] as? String == "none")

        // A server given an agent token whose agent never connects degrades it.
        let admin = try await controller.loggedIn()
        let server = try await admin.post("/api/servers", ["name": "edge-secret-name", "hostname": "192.0.2.10"])
        #expect(try await admin.post("/api/servers/\(server.id!)/token").status == 201)
        let degraded = try await anonymous.get("/api/health")
        #expect(degraded.status == 200 && degraded.object["status"] as? String == "degraded")
        #expect((degraded.object["reasons"] as? [String]) == ["1 of 1 agents not connected"])
        #expect(((degraded.object["checks"] as? [String: Any])?["agents"] as? [String: Any])?["expected"] as? Int == 1)
        let text = String(decoding: degraded.body, as: UTF8.self)
        #expect(!text.contains("edge-secret-name") && !text.contains("192.0.2.10") && !text.contains(controller.folder.path))
    }
}
