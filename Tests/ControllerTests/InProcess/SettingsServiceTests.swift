import Foundation
import Testing
import TestSupport

@testable import Controller

/// Settings through their service on a temporary SQLite file: rules, conflicts, which changes
/// make servers apply again, and that a refusal stores nothing.
@Suite struct SettingsServiceTests {
    let folder: TemporaryFolder
    let store: Store
    let actor = AuditLog.Actor(nil, clientIP: "192.0.2.1")

    init() throws {
        folder = try TemporaryFolder()
        store = try Store(path: folder.file("test.sqlite"))
    }

    private func service(localCaddy: Bool) -> SettingsService {
        let configuration = ControllerConfiguration(dataDirectory: folder.path)
        return SettingsService(
            store: store, adminDomain: AdminDomain(configuration: configuration, servesSites: localCaddy),
            addresses: AddressPolicy(protectedPorts: [81]))
    }

    private func revisions() async throws -> [Int64] {
        try await store.database.read { db in try ServerRepository.all(db).map(\.desiredRevision) }
    }

    @Test func theAdvancedConfigSettingIsReadOnceAndAChangeAppliesToTheNextCheck() async throws {
        defer { folder.remove() }
        let settings = service(localCaddy: true)
        #expect(try await settings.advancedConfigUnrestricted() == false)
        #expect(store.settingValues.count == 1)
        _ = try await settings.set("unrestricted_advanced_config", to: "true", by: actor)
        #expect(try await settings.advancedConfigUnrestricted() == true)
        // A restore, or any other commit to `settings`, is seen the same way.
        try await store.database.write { db in try db.execute("DELETE FROM settings", []) }
        #expect(try await settings.advancedConfigUnrestricted() == false)
    }

    @Test func aDataPlaneSettingMakesEveryServerApplyAndAControllerSettingDoesNot() async throws {
        defer { folder.remove() }
        let settings = service(localCaddy: true)
        _ = try await store.database.write { db in
            try ServerRepository.insert(db, .remote(name: "edge", hostname: "203.0.113.7", sshPort: 22, sshUser: "root"))
        }
        let before = try await revisions()
        let site = try await settings.set("default_site", to: "444", by: actor)
        #expect(site == ("444", true))
        #expect(try await revisions() == before.map { $0 + 1 })
        let confirm = try await settings.set("confirm_host_keys", to: "true", by: actor)
        #expect(confirm == ("true", false))
        #expect(try await revisions() == before.map { $0 + 1 })
        #expect(try await settings.all()["confirm_host_keys"] == "true")
    }

    @Test func refusalsNameTheFieldAndStoreNothing() async throws {
        defer { folder.remove() }
        let settings = service(localCaddy: false)
        await #expect(throws: DomainError.notFound("setting")) { try await settings.set("no_such_setting", to: "x", by: actor) }
        for (key, value) in [("default_site", "500"), ("acme_directory", "http://169.254.169.254/directory"), ("admin_domain", "*.example.test")] {
            do {
                _ = try await settings.set(key, to: value, by: actor)
                Issue.record("\(key) = \(value) was stored")
            } catch DomainError.invalid(let failure) {
                #expect(failure.field == "value")
            }
        }
        // No local Caddy: nothing can serve the admin at a domain.
        do {
            _ = try await settings.set("admin_domain", to: "admin.example.test", by: actor)
            Issue.record("an admin domain was stored without a local Caddy")
        } catch DomainError.conflict(let field, _) {
            #expect(field == "value")
        }
        let stored = try await store.database.read { db in try db.value(Int.self, "SELECT COUNT(*) FROM settings") }
        #expect(stored == 0)
    }
}
