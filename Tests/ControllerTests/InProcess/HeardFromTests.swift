import Foundation
import Testing
import TestSupport

@testable import Controller

/// Heartbeats written in batches move `last_seen` only: one noted just before its agent's
/// connection ended does not bring the Offline server back Online when the batch is written.
@Suite struct HeardFromTests {
    @Test func aBatchWrittenAfterTheConnectionEndedLeavesTheServerOffline() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try Store(path: folder.file("test.sqlite"))
        let servers = ServerService(store: store, addresses: AddressPolicy(protectedPorts: [81]))
        let id = try #require(
            try await servers.create(.init(name: "edge", hostname: "203.0.113.7"), by: AuditLog.Actor(nil, clientIP: "192.0.2.1")).server.id)
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
}
