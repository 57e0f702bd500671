import Foundation
import GRDB
import Hummingbird

/// `/api/settings`: known keys only, each validated; changing one is audited, and
/// changing one the data plane reads re-renders every server.
struct SettingsRoutes: Sendable {
    let store: Store
    let onChange: @Sendable () -> Void
    /// Follows `admin_domain` and `admin_http_redirect`.
    let adminDomain: AdminDomain
    /// Where the ACME directory may lead.
    let addresses: AddressPolicy

    struct Change: Decodable { var value: String }

    func register(on api: RouterGroup<AppContext>) {
        api.get("settings") { _, context in
            _ = try context.requireIdentity()
            let values = try await store.database.read { db in try SettingsRepository.all(db) }
            return JSONBody.response(["items": values.keys.sorted().map { ["key": $0, "value": values[$0]!] }, "total": values.count])
        }
        api.put("settings/:key") { request, context in
            let identity = try context.requireAdmin()
            guard let key = context.parameters.get("key"), Settings.known[key] != nil else { throw APIError.notFound("setting") }
            let input = try JSONBody.decode(Change.self, from: try await JSONBody.object(request, context: context), allowed: ["value"])
            let value: String
            do { value = try Settings.validate(key, input.value, addresses: addresses) } catch { throw APIError.invalid(error) }
            if key == "admin_domain", !value.isEmpty, adminDomain.upstream == nil {
                throw APIError.conflict(
                    field: "value",
                    "this controller runs no local Caddy (POSTERNPROXY_APPLY_PIPELINE has no posternproxy.caddy) to serve the admin at a domain")
            }
            try await store.database.write { db in
                if key == "admin_domain", !value.isEmpty,
                    try ResourceRepository.isClaimed(db, serverID: try ServerRepository.localID(db), claim: "domain:\(value)")
                {
                    throw APIError.conflict(field: "value", "\(value) is already a host on the local server")
                }
                try SettingsRepository.set(db, key, value)
                if !Settings.controllerOnly.contains(key) { try ServerRepository.bumpAllRevisions(db) }
                if key == "admin_domain" {
                    try ServerRepository.bumpRevision(db, id: try ServerRepository.localID(db))
                }
                try AuditLog.record(
                    db, AuditLog.Actor(identity, clientIP: context.clientIP), action: "update", resourceType: "setting",
                    details: ["key": key, "value": value])
            }
            try await adminDomain.refresh(store)
            if !Settings.controllerOnly.contains(key) || key == "admin_domain" { onChange() }
            return JSONBody.response(["key": key, "value": value])
        }
    }
}
