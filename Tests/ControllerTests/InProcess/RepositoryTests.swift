import Foundation
import Testing
import TestSupport

@testable import Controller

/// The repositories on a temporary SQLite file: each owns its table's SQL, and these tests hold
/// them to what their callers rely on.
@Suite struct RepositoryTests {
    let folder: TemporaryFolder
    let store: Store

    init() throws {
        folder = try TemporaryFolder()
        store = try Store(path: folder.file("test.sqlite"))
    }

    @Test func resourcesArePagedSearchedLiterallyAndClaimedExclusively() async throws {
        defer { folder.remove() }
        try await store.database.write { db in
            let local = try ServerRepository.localID(db)
            for (index, search) in ["a%b.test", "axb.test", "plain.test"].enumerated() {
                let id = try ResourceRepository.insert(
                    db, type: "proxy_host", serverID: local, ownerUserID: nil, enabled: true, data: #"{"n":\#(index)}"#, search: search)
                try ResourceRepository.addClaim(db, resourceID: id, serverID: local, claim: "domain:\(search)")
            }
            // `%` is a character to find, not a wildcard.
            let found = try ResourceRepository.page(db, type: "proxy_host", serverID: nil, query: "A%B", page: 1, limit: 10)
            #expect(found.total == 1)
            #expect(found.rows.map(\.data) == [#"{"n":0}"#])
            let second = try ResourceRepository.page(db, type: "proxy_host", serverID: local, query: nil, page: 2, limit: 2)
            #expect(second.total == 3)
            #expect(second.rows.map(\.data) == [#"{"n":2}"#])

            let first = found.rows[0].id
            #expect(try ResourceRepository.claimHolder(db, serverID: local, claim: "domain:a%b.test", except: 999)?.id == first)
            #expect(try ResourceRepository.claimHolder(db, serverID: local, claim: "domain:a%b.test", except: first) == nil)
            #expect(throws: StoreError.self) { try ResourceRepository.addClaim(db, resourceID: 999, serverID: local, claim: "domain:a%b.test") }
            try ResourceRepository.releaseClaims(db, resourceID: first)
            #expect(try !ResourceRepository.isClaimed(db, serverID: local, claim: "domain:a%b.test"))
        }
    }

    @Test func anApplyStatusNeverOverwritesANewerChange() async throws {
        defer { folder.remove() }
        try await store.database.write { db in
            let local = try ServerRepository.localID(db)
            let id = try ResourceRepository.insert(db, type: "proxy_host", serverID: local, ownerUserID: nil, enabled: true, data: "{}", search: "")
            let applied = try #require(try ResourceRepository.find(db, id: id, type: "proxy_host")).modifiedOn
            // Changed after the state that was applied: the result of that state is stale.
            try ResourceRepository.update(db, id: id, serverID: local, enabled: true, data: #"{"x":1}"#, search: "")
            try db.execute("UPDATE resources SET modified_on = ? WHERE id = ?", [applied + 5, id])
            try ResourceRepository.recordApplyStatus(db, id: id, status: .applied, message: nil, ifNotModifiedAfter: applied.sqlValue)
            #expect(try ResourceRepository.find(db, id: id, type: "proxy_host")?.applyStatus == "pending")
            try ResourceRepository.recordApplyStatus(db, id: id, status: .failed, message: "boom", ifNotModifiedAfter: (applied + 5).sqlValue)
            let row = try #require(try ResourceRepository.find(db, id: id, type: "proxy_host"))
            #expect(row.applyStatus == "failed")
            #expect(row.applyMessage == "boom")
            #expect(try ResourceRepository.find(db, id: id, type: "stream_host") == nil)
        }
    }

    @Test func aReferrerIsFoundByItsPayloadMember() async throws {
        defer { folder.remove() }
        try await store.database.write { db in
            let local = try ServerRepository.localID(db)
            let host = try ResourceRepository.insert(
                db, type: "proxy_host", serverID: local, ownerUserID: nil, enabled: true, data: #"{"access_list_id":7}"#, search: "")
            #expect(try ResourceRepository.firstReferrer(db, member: "access_list_id", id: 7) == "proxy_host \(host)")
            #expect(try ResourceRepository.firstReferrer(db, member: "access_list_id", id: 8) == nil)
            #expect(try ResourceRepository.firstReferrer(db, member: "certificate_id", id: 7) == nil)
        }
    }

    @Test func settingsReadTheirDefaultsAndIgnoreUnknownKeys() async throws {
        defer { folder.remove() }
        try await store.database.write { db in
            #expect(try SettingsRepository.value(db, "default_site") == "404")
            #expect(try SettingsRepository.value(db, "no_such_setting") == nil)
            try SettingsRepository.set(db, "default_site", "444")
            try SettingsRepository.set(db, "default_site", "redirect")
            try db.execute("INSERT INTO settings (key, value) VALUES ('left_by_an_old_version', 'x')")
            let all = try SettingsRepository.all(db)
            #expect(all["default_site"] == "redirect")
            #expect(all["left_by_an_old_version"] == nil)
            #expect(Set(all.keys) == Set(Settings.known.keys))
        }
    }

    @Test func aProvisioningRunKeepsItsWholeLog() async throws {
        defer { folder.remove() }
        try await store.database.write { db in
            let server = try ServerRepository.insert(db, .remote(name: "edge", hostname: "203.0.113.7", sshPort: 22, sshUser: "root"))
            let run = try ProvisioningRunRepository.start(db, serverID: server, kind: "provision")
            #expect(try ProvisioningRunRepository.find(db, id: run) == .init(serverID: server, status: "running", lines: []))
            try ProvisioningRunRepository.finish(db, id: run, status: "failed", lines: ["connecting", "", "provisioning failed: x"])
            #expect(
                try ProvisioningRunRepository.find(db, id: run)
                    == .init(serverID: server, status: "failed", lines: ["connecting", "", "provisioning failed: x"]))
            #expect(try ProvisioningRunRepository.find(db, id: run + 1) == nil)
        }
    }
}
