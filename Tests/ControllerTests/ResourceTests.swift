import Foundation
import Testing

/// Every resource type through the real API: create, read, list with filters, update, enable,
/// disable, delete; the audit entry of each change and the revision bump of its server.
@Suite(.serialized) struct ResourceTests {
    private func desiredRevision(_ client: APIClient, server: Int64 = 1) async throws -> Int {
        let servers = try await client.get("/api/servers").items
        return servers.first { ($0["id"] as? NSNumber)?.int64Value == server }?["desired_revision"] as? Int ?? -1
    }

    private func lastAudit(_ client: APIClient) async throws -> [String: Any] {
        try await client.get("/api/audit-log").items.first ?? [:]
    }

    @Test(arguments: ResourceSample.all)
    func theWholeLifecycleIsAuditedAndBumpsTheRevision(sample: ResourceSample) async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        let base = "/api/\(sample.path)"

        var revision = try await desiredRevision(client)
        let created = try await client.post(base, ResourceSample.json(sample.create))
        #expect(created.status == 201, "\(String(decoding: created.body, as: UTF8.self))")
        let id = try #require(created.id)
        #expect(created.object["enabled"] as? Bool == true)
        #expect(created.object["server_id"] as? Int == 1)
        #expect((created.object["apply_status"] as? [String: Any])?["status"] as? String == "pending")
        #expect(try await desiredRevision(client) == revision + 1)
        var audit = try await lastAudit(client)
        #expect(
            audit["action"] as? String == "create" && audit["resource_type"] as? String == sample.type
                && (audit["resource_id"] as? NSNumber)?.int64Value == id)

        #expect(try await client.get("\(base)/\(id)").object["created_on"] != nil)
        #expect(try await client.get("\(base)/\(999_999)").status == 404)
        let listed = try await client.get("\(base)?server_id=1&limit=10&page=1")
        #expect(listed.object["total"] as? Int == 1 && listed.items.count == 1)
        #expect(try await client.get("\(base)?server_id=424242").object["total"] as? Int == 0)
        for bad in ["", "x", "0", "-1", "1.5"] {
            let refused = try await client.get("\(base)?server_id=\(bad)")
            #expect(refused.status == 400 && refused.errorField == "server_id", "server_id=\(bad)")
        }
        #expect(try await client.get("\(base)?page=2&limit=1").items.isEmpty)

        revision = try await desiredRevision(client)
        let updated = try await client.put("\(base)/\(id)", ResourceSample.json(sample.update))
        #expect(updated.status == 200, "\(String(decoding: updated.body, as: UTF8.self))")
        #expect(describeValue(updated.object[sample.changedField]) == sample.changedValue)
        #expect(try await desiredRevision(client) == revision + 1)
        audit = try await lastAudit(client)
        #expect(audit["action"] as? String == "update")

        for action in ["disable", "enable"] {
            revision = try await desiredRevision(client)
            let toggled = try await client.post("\(base)/\(id)/\(action)")
            #expect(toggled.status == 200)
            #expect(toggled.object["enabled"] as? Bool == (action == "enable"))
            #expect(try await desiredRevision(client) == revision + 1)
            #expect(try await lastAudit(client)["action"] as? String == action)
        }

        revision = try await desiredRevision(client)
        #expect(try await client.delete("\(base)/\(id)").status == 204)
        #expect(try await client.get("\(base)/\(id)").status == 404)
        #expect(try await desiredRevision(client) == revision + 1)
        #expect(try await lastAudit(client)["action"] as? String == "delete")
    }

    @Test func searchFindsByDomainAndEscapesWildcards() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        for (index, domain) in ["shop.example.test", "blog.example.test", "bücher.example.test"].enumerated() {
            #expect(
                try await client.post("/api/proxy-hosts", ["domain_names": [domain], "forward_host": "10.0.0.\(index + 1)", "forward_port": 80])
                    .status == 201)
        }
        #expect(try await client.get("/api/proxy-hosts?q=shop").items.count == 1)
        #expect(try await client.get("/api/proxy-hosts?q=xn--bcher").items.count == 1)
        #expect(try await client.get("/api/proxy-hosts?q=%25").items.count == 0)
        #expect(try await client.get("/api/proxy-hosts?q=example").object["total"] as? Int == 3)
    }

    @Test func aDomainBelongsToOneEnabledResourcePerServer() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        let first = try await client.post(
            "/api/proxy-hosts", ["domain_names": ["Same.Example.TEST"], "forward_host": "10.0.0.1", "forward_port": 80])
        #expect(first.status == 201)
        let clash = try await client.post("/api/redirection-hosts", ["domain_names": ["same.example.test"], "forward_domain_name": "x.test"])
        #expect(clash.status == 409)
        #expect(clash.errorField == "domain_names")
        // Disabled, the domain is free; enabling the first again then conflicts.
        #expect(try await client.post("/api/proxy-hosts/\(first.id!)/disable").status == 200)
        #expect(
            try await client.post("/api/redirection-hosts", ["domain_names": ["same.example.test"], "forward_domain_name": "x.test"]).status == 201)
        #expect(try await client.post("/api/proxy-hosts/\(first.id!)/enable").status == 409)
        // Another server may use it.
        let server = try await client.post("/api/servers", ["name": "edge", "hostname": "10.1.1.1"])
        #expect(try await client.put("/api/proxy-hosts/\(first.id!)", ["server_id": server.id!, "enabled": true]).status == 200)
    }

    @Test func accessListsNeverShowPasswordHashesAndKeepThemOnUpdate() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        let list = try await client.post("/api/access-lists", ["name": "team", "items": [["username": "bob", "password": "builder123"]]])
        #expect(list.status == 201)
        let text = String(decoding: try await client.get("/api/access-lists").body, as: UTF8.self)
        #expect(!text.contains("password") && !text.contains("$2"))
        #expect(try await client.put("/api/access-lists/\(list.id!)", ["items": [["username": "bob"]]]).status == 200)
        #expect(try await client.put("/api/access-lists/\(list.id!)", ["items": [["username": "carol"]]]).errorField == "items[0].password")
        let host = try await client.post(
            "/api/proxy-hosts", ["domain_names": ["team.test"], "forward_host": "10.0.0.1", "forward_port": 80, "access_list_id": list.id!])
        #expect(host.status == 201)
        let inUse = try await client.delete("/api/access-lists/\(list.id!)")
        #expect(inUse.status == 409)
        #expect(
            try await client.post(
                "/api/proxy-hosts", ["domain_names": ["x.test"], "forward_host": "h.test", "forward_port": 80, "access_list_id": 9999]
            ).errorField == "access_list_id")
    }
}
