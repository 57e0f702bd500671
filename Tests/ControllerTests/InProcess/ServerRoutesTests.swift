import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

@testable import Controller

/// `/api/servers` through Hummingbird's in-process test client: the whole router (middleware,
/// authentication, error mapping) without a socket.
@Suite struct ServerRoutesTests {
    private func withAPI(_ body: @Sendable (any TestClientProtocol, String) async throws -> Void) async throws {
        try await withAPI { client, token, _ in try await body(client, token) }
    }

    private func withAPI(_ body: @Sendable (any TestClientProtocol, String, Store) async throws -> Void) async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let configuration = ControllerConfiguration(
            listenHost: "127.0.0.1", listenPort: 81, dataDirectory: folder.path, adminPassword: "correct horse battery")
        let store = try Store(path: configuration.databasePath)
        _ = try await FirstStart.ensureAdmin(store, email: configuration.adminEmail, password: configuration.adminPassword)
        let api = APIRouter(
            store: store, configuration: configuration, vault: try CredentialVault(dataDirectory: folder.path),
            adminDomain: AdminDomain(configuration: configuration, servesSites: true))
        try await Application(router: api.build()).test(.router) { client in
            let login = try await client.execute(
                uri: "/api/auth/login", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"email": "\#(configuration.adminEmail)", "password": "correct horse battery"}"#))
            #expect(login.status == .ok)
            let object = try JSONSerialization.jsonObject(with: Data(buffer: login.body)) as? [String: Any]
            try await body(client, try #require(object?["access_token"] as? String), store)
        }
    }

    @Test func createReadRefuseAndDeleteAServer() async throws {
        try await withAPI { client, token in
            let headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
            let created = try await client.execute(
                uri: "/api/servers", method: .post, headers: headers, body: ByteBuffer(string: #"{"name": "edge", "hostname": "203.0.113.7"}"#))
            #expect(created.status == .created)
            let server = try #require(try JSONSerialization.jsonObject(with: Data(buffer: created.body)) as? [String: Any])
            #expect(server["status"] as? String == "offline")
            #expect(server["last_seen"] is NSNull)
            #expect(server["agent_token_hash"] == nil)
            let id = try #require(server["id"] as? Int)

            // A domain refusal reaches the client as its HTTP status with the field named.
            let duplicate = try await client.execute(
                uri: "/api/servers", method: .post, headers: headers, body: ByteBuffer(string: #"{"name": "edge", "hostname": "203.0.113.8"}"#))
            #expect(duplicate.status == .conflict)
            #expect(String(buffer: duplicate.body).contains(#""field":"name""#))
            let missing = try await client.execute(uri: "/api/servers/9999", method: .get, headers: headers)
            #expect(missing.status == .notFound)
            #expect(String(buffer: missing.body).contains("server not found"))
            let local = try await client.execute(uri: "/api/servers/1", method: .delete, headers: headers)
            #expect(local.status == .forbidden)

            let deleted = try await client.execute(uri: "/api/servers/\(id)", method: .delete, headers: headers)
            #expect(deleted.status == .ok)
            #expect(String(buffer: deleted.body).contains("uninstall_commands"))
            let anonymous = try await client.execute(uri: "/api/servers", method: .get)
            #expect(anonymous.status == .unauthorized)
        }
    }

    /// The list in pages, searched (the text taken literally) and filtered by status; the
    /// dashboard's summary counts and lists what needs attention first; bad parameters are a 400
    /// naming them.
    @Test func serversArePagedSearchedAndSummarized() async throws {
        try await withAPI { client, token, store in
            let headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
            func get(_ uri: String) async throws -> (status: HTTPResponse.Status, object: [String: Any]) {
                let response = try await client.execute(uri: uri, method: .get, headers: headers)
                return (response.status, (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:])
            }
            var ids: [Int64] = []
            for n in 1...30 {
                let created = try await client.execute(
                    uri: "/api/servers", method: .post, headers: headers,
                    body: ByteBuffer(string: #"{"name": "edge-\#(n)", "hostname": "203.0.113.\#(n)"}"#))
                let object = try JSONSerialization.jsonObject(with: Data(buffer: created.body)) as? [String: Any]
                ids.append(try #require((object?["id"] as? NSNumber)?.int64Value))
            }
            // Servers 1-10 online (3 of them behind their desired revision), one reporting a failing upstream.
            let firstTen = ids.prefix(10)
            try await store.database.write { db in
                for (index, id) in firstTen.enumerated() {
                    try ServerRepository.recordHello(db, id: id, agentVersion: "test", caddyVersion: nil, caddyModules: [], appliedRevision: 0)
                    if index >= 3 { try db.execute("UPDATE servers SET applied_revision = desired_revision WHERE id = ?", [id]) }
                    let fails = index == 5 ? 2 : 0
                    try ServerRepository.recordHealth(
                        db, id: id, json: #"{"caddy_running":true,"upstreams":[{"address":"10.0.0.\#(index):80","requests":1,"fails":\#(fails)}]}"#)
                }
            }

            let page = try await get("/api/servers?limit=10&page=2")
            #expect(page.status == .ok)
            #expect(page.object["total"] as? Int == 31 && page.object["page"] as? Int == 2 && page.object["limit"] as? Int == 10)
            #expect((page.object["items"] as? [[String: Any]])?.map { $0["name"] as? String } == (10...19).map { "edge-\($0)" })
            let all = try await get("/api/servers")
            #expect((all.object["items"] as? [Any])?.count == 31 && all.object["page"] == nil)
            let found = try await get("/api/servers?q=EDGE-2&limit=100")
            #expect(
                (found.object["items"] as? [[String: Any]])?.compactMap { $0["name"] as? String }.sorted()
                    == (["edge-2"] + (20...29).map { "edge-\($0)" }).sorted())
            #expect(try await get("/api/servers?q=edge-%25").object["total"] as? Int == 0, "a % is a character to find, not a wildcard")
            #expect(try await get("/api/servers?status=online").object["total"] as? Int == 11, "the ten and the local server")
            for bad in ["status=asleep", "limit=0", "page=0", "q=\(String(repeating: "x", count: 201))"] {
                let refused = try await get("/api/servers?\(bad)")
                let field = String(bad.prefix { $0 != "=" })
                #expect(refused.status == .badRequest && (refused.object["error"] as? [String: Any])?["field"] as? String == field, "\(bad)")
            }

            let names = try await get("/api/servers/names")
            let named = try #require(names.object["items"] as? [[String: Any]])
            #expect(names.object["total"] as? Int == 31 && named.first?["name"] as? String == "local" && named.first?["is_local"] as? Bool == true)
            #expect(named.dropFirst().map { $0["name"] as? String } == (1...30).map { "edge-\($0)" })
            #expect(named.allSatisfy { Set($0.keys) == ["id", "name", "is_local"] }, "names only, no status or health")

            let summary = try await get("/api/servers/summary")
            #expect(summary.status == .ok)
            let counts = try #require(summary.object["by_status"] as? [String: Int])
            #expect(counts == ["online": 11, "offline": 20, "error": 0, "provisioning": 0])
            #expect(summary.object["total"] as? Int == 31 && summary.object["out_of_date"] as? Int == 3)
            let servers = try #require(summary.object["servers"] as? [[String: Any]])
            #expect(servers.count == 31)
            // Offline ones and those behind their revision come first.
            let firstHealthy = try #require(
                servers.firstIndex { $0["status"] as? String == "online" && $0["applied_revision"] as? Int == $0["desired_revision"] as? Int })
            #expect(servers[firstHealthy...].allSatisfy { $0["status"] as? String == "online" })
            let upstreams = try #require(summary.object["upstreams"] as? [String: Any])
            #expect(upstreams["total"] as? Int == 10 && upstreams["failing"] as? Int == 1 && upstreams["unknown"] as? Int == 0)
            let items = try #require(upstreams["items"] as? [[String: Any]])
            #expect(items.first?["address"] as? String == "10.0.0.5:80" && items.first?["fails"] as? Int == 2)
            #expect(items.first?["server"] as? String == "edge-6" && items.first?["server_status"] as? String == "online")
        }
    }
}
