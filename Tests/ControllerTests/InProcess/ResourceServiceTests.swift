import Foundation
import JSONCore
import Testing
import TestSupport

@testable import Controller

/// Resource changes on a temporary SQLite file, without the HTTP layer: which servers learn that
/// their desired state changed.
@Suite struct ResourceServiceTests {
    let folder: TemporaryFolder
    let store: Store
    let admin = AuditLog.Actor(nil, clientIP: "192.0.2.1")
    let validation = ValidationContext(
        isAdmin: true, controllerPort: 81, certificates: CertificateInspector(), addresses: AddressPolicy(protectedPorts: [81]))

    init() throws {
        folder = try TemporaryFolder()
        store = try Store(path: folder.file("test.sqlite"))
    }

    @Test func changingAnAccessListMovesEveryServerThatUsesItAndNoOther() async throws {
        defer { folder.remove() }
        let (local, user, bystander, list) = try await store.database.write { db -> (Int64, Int64, Int64, Int64) in
            let local = try ServerRepository.localID(db)
            let user = try ServerRepository.insert(db, .remote(name: "user", hostname: "192.0.2.10", sshPort: 22, sshUser: "root"))
            let bystander = try ServerRepository.insert(db, .remote(name: "bystander", hostname: "192.0.2.11", sshPort: 22, sshUser: "root"))
            let list = try ResourceRepository.insert(
                db, type: "access_list", serverID: local, ownerUserID: nil, enabled: true, data: #"{"name":"team","items":[],"clients":[]}"#,
                search: "team")
            _ = try ResourceRepository.insert(
                db, type: "proxy_host", serverID: user, ownerUserID: nil, enabled: true,
                data: #"{"domain_names":["a.test"],"forward_host":"10.0.0.1","forward_port":80,"access_list_id":\#(list)}"#, search: "a.test")
            return (local, user, bystander, list)
        }
        func revisions() async throws -> [Int64] {
            try await store.database.read { db in try [local, user, bystander].map { try ServerRepository.desiredRevision(db, id: $0) } }
        }
        let service = ResourceService<AccessListKind>(store: store, onChange: {})
        var before = try await revisions()
        _ = try await service.update(list, ["name": "renamed"], validation: validation, actor: admin)
        var after = try await revisions()
        #expect(after[0] == before[0] + 1, "the list's own server")
        #expect(after[1] == before[1] + 1, "a server whose host uses the list: its agent must be sent the new list")
        #expect(after[2] == before[2], "a server that does not use it")

        before = after
        _ = try await service.setEnabled(list, false, actor: admin)
        after = try await revisions()
        #expect(after[1] == before[1] + 1)
        #expect(after[2] == before[2])
    }
}
