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
            try await body(client, try #require(object?["access_token"] as? String))
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
}
