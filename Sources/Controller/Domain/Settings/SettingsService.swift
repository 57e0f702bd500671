import Foundation

/// The controller's settings as admins change them: known keys only, each checked by its rule;
/// a change is audited, and one the data plane reads makes every server apply again (the admin
/// domain only the local server, which serves it).
struct SettingsService: Sendable {
    let store: Store
    /// Follows `admin_domain` and `admin_http_redirect`; knows whether a local Caddy can serve a domain.
    let adminDomain: AdminDomain
    /// Where the ACME directory may lead.
    let addresses: AddressPolicy

    /// Every setting with its value (or default).
    func all() async throws -> [String: String] {
        try await store.database.read { db in try SettingsRepository.all(db) }
    }

    /// The `unrestricted_advanced_config` setting: whether admins' raw Caddy routes may read the
    /// host. Read once and kept until `settings` changes, as every resource write asks.
    func advancedConfigUnrestricted() async throws -> Bool {
        let key = "unrestricted_advanced_config"
        let value = try await store.settingValues.value(for: key) {
            try await store.database.read { db in try SettingsRepository.value(db, key) }
        }
        return value == "true"
    }

    /// Sets `key` to `value` (in canonical form, which it returns); true in `serversChanged`
    /// when some server must apply again.
    func set(_ key: String, to value: String, by actor: AuditLog.Actor) async throws -> (value: String, serversChanged: Bool) {
        guard Settings.known[key] != nil else { throw DomainError.notFound("setting") }
        let valid: String
        do { valid = try Settings.validate(key, value, addresses: addresses) } catch { throw DomainError.invalid(error) }
        if key == "admin_domain", !valid.isEmpty, adminDomain.upstream == nil {
            throw DomainError.conflict(
                field: "value",
                "the local server has no data plane to serve the admin at a domain: no step of POSTERNPROXY_APPLY_PIPELINE describes one")
        }
        try await store.database.write { db in
            if key == "admin_domain", !valid.isEmpty,
                try ResourceRepository.isClaimed(db, serverID: try ServerRepository.localID(db), claim: "domain:\(valid)")
            {
                throw DomainError.conflict(field: "value", "\(valid) is already a host on the local server")
            }
            try SettingsRepository.set(db, key, valid)
            if !Settings.controllerOnly.contains(key) { try ServerRepository.bumpAllRevisions(db) }
            if key == "admin_domain" { try ServerRepository.bumpRevision(db, id: try ServerRepository.localID(db)) }
            try AuditLog.record(db, actor, action: "update", resourceType: "setting", details: ["key": key, "value": valid])
        }
        try await adminDomain.refresh(store)
        return (valid, !Settings.controllerOnly.contains(key) || key == "admin_domain")
    }
}
