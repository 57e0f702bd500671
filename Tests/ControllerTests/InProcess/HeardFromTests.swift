import Foundation
import Host
import Testing
import TestSupport

@testable import Controller

/// Heartbeats and status reports are written in batches: they move `last_seen` and the upstream
/// health only, so one noted just before its agent's connection ended does not bring the Offline
/// server back Online when the batch is written; and a status report reaches the database with
/// the batch, not on its own.
@Suite struct HeardFromTests {
    /// A store with one remote server, and its id.
    private func storeWithServer(_ folder: TemporaryFolder) async throws -> (Store, Int64) {
        let store = try Store(path: folder.file("test.sqlite"))
        let servers = ServerService(store: store, addresses: AddressPolicy(protectedPorts: [81]))
        let id = try #require(
            try await servers.create(.init(name: "edge", hostname: "203.0.113.7"), by: AuditLog.Actor(nil, clientIP: "192.0.2.1")).server.id)
        return (store, id)
    }

    @Test func aBatchWrittenAfterTheConnectionEndedLeavesTheServerOffline() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (store, id) = try await storeWithServer(folder)
        try await store.database.write { db in
            try ServerRepository.recordHello(db, id: id, agentVersion: "test", caddyVersion: nil, caddyModules: [], appliedRevision: 0)
        }
        let heard = HeardFrom()
        heard.note(id)
        try await store.database.write { db in try ServerRepository.markOffline(db, id: id) }
        try await heard.flush(to: store)
        let server = try #require(try await store.database.read { db in try ServerRepository.find(db, id: id) })
        #expect(server.status == .offline)
        #expect(server.lastSeen != nil)
    }

    @Test func statusReportsReachTheDatabaseWithTheBatchAndOnlyTheirLatestHealth() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (store, id) = try await storeWithServer(folder)
        let heard = HeardFrom()
        let recorder = HealthRecorder(serverID: id, store: store, heard: heard)
        func stored() async throws -> Server { try #require(try await store.database.read { db in try ServerRepository.find(db, id: id) }) }
        let failing = AgentMessage.UpstreamHealth(address: "10.0.0.5:8080", requests: 3, fails: 1)
        try await recorder.record(.init(caddyRunning: true, upstreams: [failing]))
        try await recorder.record(
            .init(caddyRunning: true, upstreams: [AgentMessage.UpstreamHealth(address: "10.0.0.5:8080", requests: 0, fails: 0)]))
        #expect(try await stored().upstreamHealth == nil, "nothing is written before the batch")
        #expect(try await stored().lastSeen == nil)
        try await heard.flush(to: store)
        let written = try await stored()
        #expect(written.lastSeen != nil)
        let health = try #require(written.upstreamHealth)
        #expect(health.contains("\"fails\":0") && !health.contains("\"fails\":1"), "\(health)")
    }
}
