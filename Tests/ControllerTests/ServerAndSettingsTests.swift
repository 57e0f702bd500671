import Foundation
import Testing

/// Servers, assignment and settings.
@Suite(.serialized) struct ServerAndSettingsTests {
    @Test func theLocalServerAlwaysExistsAndCannotBeDeleted() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        let servers = try await client.get("/api/servers").items
        #expect(servers.count == 1)
        #expect(servers.first?["is_local"] as? Bool == true)
        #expect(try await client.delete("/api/servers/1").status == 403)
        #expect(try await client.post("/api/servers/1/token").status == 409)
    }

    @Test func deletingAServerMovesItsResourcesToTheLocalServer() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        let edge = try await client.post("/api/servers", ["name": "edge", "hostname": "edge.example.test", "ssh_port": 2222, "ssh_user": "deploy"])
        #expect(edge.status == 201)
        #expect(edge.object["status"] as? String == "offline")
        let edgeID = try #require(edge.id)
        let moved = try await client.post(
            "/api/proxy-hosts", ["domain_names": ["remote.test"], "forward_host": "10.0.0.1", "forward_port": 80, "server_id": edgeID])
        let clashing = try await client.post(
            "/api/proxy-hosts", ["domain_names": ["both.test"], "forward_host": "10.0.0.1", "forward_port": 80, "server_id": edgeID])
        let local = try await client.post("/api/proxy-hosts", ["domain_names": ["both.test"], "forward_host": "10.0.0.2", "forward_port": 80])
        #expect(moved.status == 201 && clashing.status == 201 && local.status == 201)
        #expect(try await client.get("/api/proxy-hosts?server_id=\(edgeID)").object["total"] as? Int == 2)
        #expect(try await client.get("/api/servers/\(edgeID)").object["active_routes"] as? Int == 2)
        let token = try await client.post("/api/servers/\(edgeID)/token")
        #expect((token.object["token"] as? String)?.hasPrefix("ppg_") == true)

        // Before deleting: what moving each resource means.
        let preview = try await client.get("/api/servers/\(edgeID)/deletion")
        #expect(preview.status == 200)
        let byID = Dictionary(uniqueKeysWithValues: preview.items.map { (Int64($0["id"] as? Int ?? 0), $0) })
        #expect(byID.count == 2)
        #expect(byID[clashing.id!]?["conflicts"] as? Bool == true && byID[moved.id!]?["conflicts"] as? Bool == false)
        #expect(byID[moved.id!]?["summary"] as? String == "remote.test")
        let risks = byID[moved.id!]?["unreachable_upstreams"] as? [[String: Any]]
        #expect(risks?.first?["field"] as? String == "forward_host" && risks?.first?["risk"] as? String == "private_network")
        #expect(try await client.delete("/api/servers/\(edgeID)?resources=drop").errorField == "resources")
        #expect(try await client.get("/api/servers/\(edgeID)").status == 200)

        let deleted = try await client.delete("/api/servers/\(edgeID)")
        #expect(deleted.status == 200)
        #expect((deleted.object["uninstall_commands"] as? [String])?.first == "systemctl disable --now posternproxy-agent")
        #expect(try await client.get("/api/proxy-hosts/\(moved.id!)").object["server_id"] as? Int == 1)
        let kept = try await client.get("/api/proxy-hosts/\(clashing.id!)").object
        #expect(kept["server_id"] as? Int == 1 && kept["enabled"] as? Bool == false)
        #expect(try await client.get("/api/proxy-hosts?server_id=1").object["total"] as? Int == 3)
        #expect(try await client.get("/api/audit-log?resource_type=server&action=delete").items.count == 1)
    }

    @Test func deletingAServerCanDeleteItsResourcesAndNamesUpstreamsTheLocalServerMayNotReach() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        let edgeID = try #require(try await client.post("/api/servers", ["name": "edge", "hostname": "edge.example.test"]).id)
        let host = try await client.post(
            "/api/proxy-hosts",
            [
                "domain_names": ["app.test"], "forward_host": "127.0.0.1", "forward_port": 8080, "server_id": edgeID,
                "upstreams": [["host": "app.container.invalid", "port": 80], ["host": "192.0.2.10", "port": 80]],
            ])
        let forward = try await client.post(
            "/api/port-forwards", ["protocol": "tcp", "incoming_port": 2222, "forward_host": "10.1.2.3", "forward_port": 22, "server_id": edgeID])
        #expect(host.status == 201 && forward.status == 201)

        let items = try await client.get("/api/servers/\(edgeID)/deletion").items
        let hostRisks = (items.first { Int64($0["id"] as? Int ?? 0) == host.id! }?["unreachable_upstreams"] as? [[String: Any]] ?? []).map {
            "\($0["field"]!) \($0["risk"]!)"
        }
        #expect(hostRisks == ["forward_host loopback", "upstreams[0].host unresolved"])
        #expect(items.first { Int64($0["id"] as? Int ?? 0) == forward.id! }?["summary"] as? String == "tcp port 2222")

        let deleted = try await client.delete("/api/servers/\(edgeID)?resources=delete")
        #expect(deleted.status == 200)
        #expect((deleted.object["deleted_resource_ids"] as? [Int])?.map(Int64.init).sorted() == [host.id!, forward.id!].sorted())
        #expect(try await client.get("/api/proxy-hosts/\(host.id!)").status == 404)
        #expect(try await client.get("/api/port-forwards/\(forward.id!)").status == 404)
        #expect(try await client.get("/api/proxy-hosts").object["total"] as? Int == 0)
        let audit = try await client.get("/api/audit-log?resource_type=server&action=delete").items.first
        #expect((audit?["details"] as? [String: Any])?["resources"] as? String == "delete")
    }

    @Test func settingsAreValidatedAuditedAndBumpEveryRevision() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        let defaults = try await client.get("/api/settings").items
        #expect(defaults.contains { $0["key"] as? String == "acme_directory" && ($0["value"] as? String)?.contains("letsencrypt") == true })
        #expect(try await client.put("/api/settings/acme_directory", ["value": "https://acme.test/dir"]).status == 200)
        #expect(try await client.put("/api/settings/acme_directory", ["value": "file:///etc/passwd"]).errorField == "value")
        #expect(try await client.put("/api/settings/default_site", ["value": "{env.HOME}"]).errorField == "value")
        #expect(try await client.put("/api/settings/no_such_key", ["value": "x"]).status == 404)
        #expect(try await client.get("/api/servers").items.first?["desired_revision"] as? Int == 2)
        let audit = try await client.get("/api/audit-log?resource_type=setting").items
        #expect(audit.count == 1 && (audit.first?["details"] as? [String: Any])?["key"] as? String == "acme_directory")
    }

    @Test func theAuditLogFiltersAndPagesNewestFirst() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        for index in 0..<55 {
            #expect(try await client.post("/api/dead-hosts", ["domain_names": ["d\(index).test"]]).status == 201)
        }
        let first = try await client.get("/api/audit-log?resource_type=dead_host")
        #expect(first.items.count == 50 && first.object["total"] as? Int == 55)
        let ids = first.items.compactMap { ($0["id"] as? NSNumber)?.intValue }
        #expect(ids == ids.sorted(by: >))
        #expect(try await client.get("/api/audit-log?resource_type=dead_host&page=2").items.count == 5)
        #expect(try await client.get("/api/audit-log?action=login&user_id=1").items.count == 1)
        #expect(try await client.get("/api/audit-log?from=2999-01-01T00:00:00Z").items.isEmpty)
        #expect(try await client.get("/api/audit-log?from=yesterday").errorField == "from")
        let entry = try #require(first.items.first)
        for field in ["created_on", "user_email", "action", "resource_type", "resource_id", "details", "client_ip", "server_id"] {
            #expect(entry[field] != nil, "\(field)")
        }

        // `q` finds words in the action, the resource type or the user, whatever their case;
        // `%` and `_` are characters to find, not wildcards.
        #expect(try await client.get("/api/audit-log?q=DEAD").object["total"] as? Int == 55)
        #expect(try await client.get("/api/audit-log?q=Logi").items.allSatisfy { ($0["action"] as? String)?.contains("login") == true })
        #expect(try await client.get("/api/audit-log?q=ADMIN%40EXAMPLE").object["total"] as? Int ?? 0 >= 56)
        #expect(try await client.get("/api/audit-log?q=dead%25host").items.isEmpty)
        #expect(try await client.get("/api/audit-log?q=d_ad").items.isEmpty)
        #expect(try await client.get("/api/audit-log?q=" + String(repeating: "x", count: 101)).errorField == "q")

        // An update lists the fields whose value changed, not every field a form sent.
        let host = try await client.post("/api/proxy-hosts", ["domain_names": ["audited.test"], "forward_host": "10.0.0.9", "forward_port": 80])
        #expect(
            try await client.put(
                "/api/proxy-hosts/\(host.id!)",
                ["domain_names": ["audited.test"], "forward_host": "10.0.0.9", "forward_port": 8080, "enabled": true, "block_exploits": false]
            ).status == 200)
        let server = try await client.post("/api/servers", ["name": "edge", "hostname": "192.0.2.40"])
        #expect(try await client.put("/api/servers/\(server.id!)", ["name": "edge", "hostname": "192.0.2.41", "ssh_port": 22]).status == 200)
        let updates = try await client.get("/api/audit-log?action=update").items
        func fields(_ type: String) -> [String]? {
            (updates.first { $0["resource_type"] as? String == type }?["details"] as? [String: Any])?["fields"] as? [String]
        }
        #expect(fields("proxy_host") == ["forward_port"])
        #expect(fields("server") == ["hostname"])
    }
}
