import Foundation
import Testing

/// Roles, deactivation and tokens.
@Suite(.serialized) struct RoleTests {
    /// An admin client and a viewer's session and API token.
    private func setUp(_ controller: ControllerProcess) async throws -> (admin: APIClient, viewer: APIClient, viewerID: Int64) {
        let admin = try await controller.loggedIn()
        let created = try await admin.post(
            "/api/users", ["email": "viewer@example.test", "name": "Vera", "password": "viewing only", "role": "viewer"])
        #expect(created.status == 201)
        let viewer = try await controller.loggedIn(email: "viewer@example.test", password: "viewing only")
        return (admin, viewer, created.id!)
    }

    @Test func aViewerSeesEverythingAndChangesNothing() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let (admin, viewer, viewerID) = try await setUp(controller)
        let host = try await admin.post("/api/proxy-hosts", ["domain_names": ["seen.test"], "forward_host": "10.0.0.1", "forward_port": 80])
        let server = try await admin.post("/api/servers", ["name": "edge", "hostname": "10.1.1.1"])
        let token = try await admin.post("/api/tokens", ["name": "ci"])
        #expect(try await viewer.get("/api/proxy-hosts").items.count == 1)
        #expect(try await viewer.get("/api/servers").items.count == 2)

        var mutating: [(String, String, Any?)] = []
        for sample in ResourceSample.all {
            mutating += [
                ("POST", "/api/\(sample.path)", ResourceSample.json(sample.create)),
                ("PUT", "/api/\(sample.path)/\(host.id!)", ResourceSample.json(sample.update)),
                ("DELETE", "/api/\(sample.path)/\(host.id!)", nil), ("POST", "/api/\(sample.path)/\(host.id!)/enable", nil),
                ("POST", "/api/\(sample.path)/\(host.id!)/disable", nil),
            ]
        }
        mutating += [
            ("POST", "/api/users", ["email": "x@example.test", "name": "X", "password": "12345678", "role": "admin"]),
            ("PUT", "/api/users/\(viewerID)", ["role": "admin"]), ("DELETE", "/api/users/1", nil),
            ("POST", "/api/tokens", ["name": "mine"]), ("DELETE", "/api/tokens/\(token.id!)", nil),
            ("POST", "/api/servers", ["name": "other", "hostname": "10.2.2.2"]), ("PUT", "/api/servers/\(server.id!)", ["name": "renamed"]),
            ("DELETE", "/api/servers/\(server.id!)", nil), ("POST", "/api/servers/\(server.id!)/token", nil),
            ("PUT", "/api/settings/default_site", ["value": "444"]),
        ]
        for (method, path, body) in mutating {
            let answer = try await viewer.send(method, path, json: body)
            #expect(answer.status == 403, "\(method) \(path) answered \(answer.status)")
        }
        #expect(try await admin.get("/api/proxy-hosts/\(host.id!)").object["enabled"] as? Bool == true)
        #expect(try await admin.get("/api/servers").items.count == 2)
    }

    @Test func deactivatingAUserCutsOffTheirSessionsAndTokensAtOnce() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let (admin, viewer, viewerID) = try await setUp(controller)
        #expect(try await admin.put("/api/users/\(viewerID)", ["role": "admin"]).status == 200)
        let promoted = try await controller.loggedIn(email: "viewer@example.test", password: "viewing only")
        let token = try await promoted.post("/api/tokens", ["name": "automation"])
        let tokenClient = APIClient(port: controller.port, bearer: token.object["token"] as? String)
        #expect(try await tokenClient.get("/api/auth/me").status == 200)
        #expect(try await viewer.get("/api/auth/me").status == 200)

        #expect(try await admin.put("/api/users/\(viewerID)", ["active": false]).status == 200)
        #expect(try await viewer.get("/api/auth/me").status == 401)
        #expect(try await promoted.get("/api/proxy-hosts").status == 401)
        #expect(try await tokenClient.get("/api/proxy-hosts").status == 401)
        let login = try await APIClient(port: controller.port).post("/api/auth/login", ["email": "viewer@example.test", "password": "viewing only"])
        #expect(login.status == 401)
    }

    @Test func aRevokedTokenIsRefusedAndTheListShowsNoSecret() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let admin = try await controller.loggedIn()
        let created = try await admin.post("/api/tokens", ["name": "deploy"])
        #expect(created.status == 201)
        let secret = try #require(created.object["token"] as? String)
        let automation = APIClient(port: controller.port, bearer: secret)
        #expect(
            try await automation.post("/api/proxy-hosts", ["domain_names": ["bot.test"], "forward_host": "10.0.0.1", "forward_port": 80]).status
                == 201)
        let list = try await admin.get("/api/tokens")
        #expect(list.items.first?["name"] as? String == "deploy")
        #expect(list.items.first?["last_used_on"] is String)
        #expect(!String(decoding: list.body, as: UTF8.self).contains(secret))
        #expect(try await admin.delete("/api/tokens/\(created.id!)").status == 204)
        #expect(try await automation.get("/api/proxy-hosts").status == 401)
        #expect(try await APIClient(port: controller.port, bearer: "ppt_forged").get("/api/auth/me").status == 401)
    }

    @Test func nobodyDeletesOrDemotesThemselvesAndDeletedUsersLoseTheirTokens() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let (admin, _, viewerID) = try await setUp(controller)
        #expect(try await admin.delete("/api/users/1").status == 403)
        #expect(try await admin.put("/api/users/1", ["role": "viewer"]).status == 403)
        #expect(try await admin.put("/api/users/1", ["active": false]).status == 403)
        #expect(
            try await admin.post("/api/users", ["email": "short@example.test", "name": "S", "password": "1234567", "role": "viewer"]).errorField
                == "password")
        // Seven characters are too few however many bytes they take (the schema counts characters).
        #expect(
            try await admin.post("/api/users", ["email": "short@example.test", "name": "S", "password": "ééé𝄞𝄞xy", "role": "viewer"]).errorField
                == "password")
        #expect(
            try await admin.post("/api/users", ["email": "viewer@example.test", "name": "Dup", "password": "12345678", "role": "viewer"]).status
                == 409)
        #expect(try await admin.delete("/api/users/\(viewerID)").status == 204)
        let audit = try await admin.get("/api/audit-log?resource_type=user&action=delete")
        #expect(audit.items.count == 1)
    }

    @Test func usersChangeTheirOwnPassword() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let (_, viewer, _) = try await setUp(controller)
        #expect(
            try await viewer.put("/api/users/me/password", ["current_password": "wrong", "new_password": "a new secret"]).errorField
                == "current_password")
        #expect(try await viewer.put("/api/users/me/password", ["current_password": "viewing only", "new_password": "a new secret"]).status == 200)
        #expect(try await viewer.get("/api/auth/me").status == 200)
        _ = try await controller.loggedIn(email: "viewer@example.test", password: "a new secret")
    }
}
