import Foundation
import Testing
import TestSupport

@testable import Controller

/// The servers' repository and service on a temporary SQLite file, without HTTP: what each
/// operation stores, what it refuses (with the field), and that a refusal stores nothing.
@Suite struct ServerServiceTests {
    let folder: TemporaryFolder
    let store: Store
    let servers: ServerService
    let admin = AuditLog.Actor(nil, clientIP: "192.0.2.1")

    init() throws {
        folder = try TemporaryFolder()
        store = try Store(path: folder.file("test.sqlite"))
        servers = ServerService(store: store, addresses: AddressPolicy(protectedPorts: [81]))
    }

    private func count(_ table: String) async throws -> Int {
        try await store.database.read { db in try db.value(Int.self, "SELECT COUNT(*) FROM \(table)") ?? 0 }
    }

    @Test func theLocalServerComesFirstAndHasNoSSHSettingsToChange() async throws {
        defer { folder.remove() }
        let list = try await servers.list().items
        #expect(list.count == 1)
        #expect(list[0].server.isLocal)
        let local = try #require(list[0].server.id)
        await #expect(throws: DomainError.conflict(field: "hostname", "the local server has no SSH settings")) {
            try await servers.update(local, .init(hostname: "203.0.113.5"), by: admin)
        }
        await #expect(throws: DomainError.forbidden("the local server cannot be deleted")) {
            try await servers.delete(local, resources: .move, by: admin)
        }
        #expect(try await servers.update(local, .init(name: "edge"), by: admin).server.name == "edge")
    }

    @Test func aRemoteServerIsCreatedWithDefaultsAuditedAndItsNameIsUnique() async throws {
        defer { folder.remove() }
        let created = try await servers.create(.init(name: "web 1", hostname: "203.0.113.7"), by: admin)
        #expect(created.server.sshPort == 22)
        #expect(created.server.sshUser == "root")
        #expect(created.server.status == .offline)
        #expect(created.server.desiredRevision == 1)
        #expect(try await count("audit_log") == 1)
        await #expect(throws: DomainError.conflict(field: "name", "a server with this name exists")) {
            try await servers.create(.init(name: "web 1", hostname: "203.0.113.8"), by: admin)
        }
        #expect(try await count("servers") == 2)
    }

    @Test(arguments: [
        (ServerService.Changes(hostname: "203.0.113.9"), "name"),
        (ServerService.Changes(name: "x"), "hostname"),
        (ServerService.Changes(name: "x", hostname: "127.0.0.1"), "hostname"),
        (ServerService.Changes(name: "x", hostname: "169.254.169.254"), "hostname"),
        (ServerService.Changes(name: "x", hostname: "a;rm -rf /"), "hostname"),
        (ServerService.Changes(name: "x", hostname: "203.0.113.9", sshPort: 0), "ssh_port"),
        (ServerService.Changes(name: "x", hostname: "203.0.113.9", sshUser: "root;id"), "ssh_user"),
        (ServerService.Changes(name: "x", hostname: "203.0.113.9", sshUser: "-oProxyCommand=x"), "ssh_user"),
    ])
    func hostileOrMissingFieldsAreRefusedByNameAndNothingIsStored(changes: ServerService.Changes, field: String) async throws {
        defer { folder.remove() }
        do {
            _ = try await servers.create(changes, by: admin)
            Issue.record("stored \(changes)")
        } catch DomainError.invalid(let failure) {
            #expect(failure.field == field)
        }
        #expect(try await count("servers") == 1)
        #expect(try await count("audit_log") == 0)
    }

    @Test func deletingAServerMovesItsResourcesHomeAndDisablesThoseThatClash() async throws {
        defer { folder.remove() }
        let remote = try #require(try await servers.create(.init(name: "edge", hostname: "203.0.113.7"), by: admin).server.id)
        let local = try await store.localServerID()
        // One resource only on the remote server, one whose domain the local server serves too.
        let (moving, clashing) = try await store.database.write { db -> (Int64, Int64) in
            func resource(_ server: Int64, _ claim: String) throws -> Int64 {
                try db.execute(
                    """
                    INSERT INTO resources (type, server_id, enabled, data, search, created_on, modified_on)
                    VALUES ('proxy_host', ?, 1, '{}', '', ?, ?)
                    """, [server, Date(), Date()])
                let id = db.lastInsertedID
                try db.execute("INSERT INTO resource_claims (resource_id, server_id, claim) VALUES (?, ?, ?)", [id, server, claim])
                return id
            }
            _ = try resource(local, "domain:shared.test")
            return (try resource(remote, "domain:only.test"), try resource(remote, "domain:shared.test"))
        }
        let revisionBefore = try await servers.get(local).server.desiredRevision
        let deletion = try await servers.delete(remote, resources: .move, by: admin)
        #expect(deletion == .init(localServerID: local, disabledResourceIDs: [clashing], deletedResourceIDs: [], uninstallCommands: nil))
        let rows = try await store.database.read { db in
            try db.rows("SELECT id, server_id, enabled, apply_status FROM resources WHERE id IN (?, ?) ORDER BY id", [moving, clashing])
        }
        #expect(rows.map { $0["server_id"] as Int64 } == [local, local])
        #expect(rows.map { $0["enabled"] as Bool } == [true, false])
        #expect(rows.allSatisfy { $0["apply_status"] as String == "pending" })
        #expect(try await servers.get(local).server.desiredRevision == revisionBefore + 1)
        await #expect(throws: DomainError.notFound("server")) { try await servers.get(remote) }
    }

    @Test func aNewAgentTokenReplacesTheStoredHashAndTheLocalServerHasNone() async throws {
        defer { folder.remove() }
        let remote = try #require(try await servers.create(.init(name: "edge", hostname: "203.0.113.7"), by: admin).server.id)
        let token = try await servers.issueAgentToken(remote, by: admin)
        let hash = try #require(try await store.database.read { db in try ServerRepository.agentTokenHash(db, remoteID: remote) })
        #expect(try await Secrets.verifyPassword(token, hash: hash))
        await #expect(throws: DomainError.conflict(field: nil, "the local server is driven by the controller and has no agent")) {
            try await servers.issueAgentToken(try await store.localServerID(), by: admin)
        }
    }

    @Test func repositoryRecordsWhatAgentsReportAndIgnoresStaleFailures() async throws {
        defer { folder.remove() }
        let remote = try #require(try await servers.create(.init(name: "edge", hostname: "203.0.113.7"), by: admin).server.id)
        try await store.database.write { db in
            try ServerRepository.recordHello(db, id: remote, agentVersion: "1.2", caddyVersion: "v2.11", caddyModules: ["http"], appliedRevision: 5)
            try ServerRepository.recordApplied(db, id: remote, revision: 6, hash: "h6")
            // A failure of revision 4, older than the 6 the server runs, changes nothing.
            try ServerRepository.recordApplyFailure(db, id: remote, revision: 4, message: "old news")
        }
        var server = try await servers.get(remote).server
        #expect(server.status == .online)
        #expect(server.desiredRevision == 6)
        #expect(server.appliedRevision == 6)
        #expect(server.appliedHash == "h6")
        #expect(server.reportedModules == ["http"])
        try await store.database.write { db in try ServerRepository.markRemotesOffline(db) }
        server = try await servers.get(remote).server
        #expect(server.status == .offline)
    }
}
