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

    /// The settings, their defaults and rules.
    static let known: [String: (default: String, validate: @Sendable (String) throws(ValidationFailure) -> String)] = [
        "confirm_host_keys": ("false", { value throws(ValidationFailure) in try FieldRules.oneOf(value, ["true", "false"], field: "value") }),
        "unrestricted_advanced_config": (
            "false", { value throws(ValidationFailure) in try FieldRules.oneOf(value, ["true", "false"], field: "value") }
        ),
        "require_two_factor": ("false", { value throws(ValidationFailure) in try FieldRules.oneOf(value, ["true", "false"], field: "value") }),
        "admin_domain": (
            "",
            { value throws(ValidationFailure) in
                guard !value.isEmpty else { return "" }
                guard !value.hasPrefix("*") else { throw ValidationFailure("value", "must be one domain, not a wildcard") }
                return try FieldRules.domainName(value, field: "value")
            }
        ),
        "admin_http_redirect": ("false", { value throws(ValidationFailure) in try FieldRules.oneOf(value, ["true", "false"], field: "value") }),
        "acme_directory": (
            "https://acme-v02.api.letsencrypt.org/directory", { value throws(ValidationFailure) in try FieldRules.httpURL(value, field: "value") }
        ),
        "acme_email": ("", { value throws(ValidationFailure) in value.isEmpty ? "" : try FieldRules.email(value, field: "value") }),
        "default_site": (
            "404", { value throws(ValidationFailure) in try FieldRules.oneOf(value, ["404", "444", "redirect", "congratulations"], field: "value") }
        ),
        "default_site_redirect": ("", { value throws(ValidationFailure) in value.isEmpty ? "" : try FieldRules.httpURL(value, field: "value") }),
    ]

    /// Settings only the controller reads: they are not part of any server's desired state
    /// (`admin_domain` reaches only the local server's, as its `admin_site`).
    static let controllerOnly: Set<String> = [
        "confirm_host_keys", "unrestricted_advanced_config", "require_two_factor", "admin_domain", "admin_http_redirect",
    ]

    struct Change: Decodable { var value: String }

    /// `value` checked by the rule of `key` (the API and a restore both use it); the ACME
    /// directory, which Caddy fetches, also by the address policy.
    static func validate(_ key: String, _ value: String, addresses: AddressPolicy) throws(ValidationFailure) -> String {
        guard let rule = known[key] else { throw ValidationFailure("key", "\(FieldRules.printable(key)) is not a setting") }
        let valid = try rule.validate(value)
        if key == "acme_directory", let url = URL(string: valid), let host = url.host {
            try addresses.check(host: try FieldRules.host(host, field: "value"), port: url.port ?? (url.scheme == "http" ? 80 : 443), field: "value")
        }
        return valid
    }

    /// Every setting with its value (or default).
    static func all(_ db: Database) throws -> [String: String] {
        var values = known.mapValues(\.default)
        for row in try Row.fetchAll(db, sql: "SELECT key, value FROM settings") where known[row["key"]] != nil {
            values[row["key"]] = row["value"]
        }
        return values
    }

    func register(on api: RouterGroup<AppContext>) {
        api.get("settings") { _, context in
            _ = try context.requireIdentity()
            let values = try await store.database.read { db in try Self.all(db) }
            return JSONBody.response(["items": values.keys.sorted().map { ["key": $0, "value": values[$0]!] }, "total": values.count])
        }
        api.put("settings/:key") { request, context in
            let identity = try context.requireAdmin()
            guard let key = context.parameters.get("key"), Self.known[key] != nil else { throw APIError.notFound("setting") }
            let input = try JSONBody.decode(Change.self, from: try await JSONBody.object(request, context: context), allowed: ["value"])
            let value: String
            do { value = try Self.validate(key, input.value, addresses: addresses) } catch { throw APIError.invalid(error) }
            if key == "admin_domain", !value.isEmpty, adminDomain.upstream == nil {
                throw APIError.conflict(
                    field: "value",
                    "this controller runs no local Caddy (POSTERNPROXY_APPLY_PIPELINE has no posternproxy.caddy) to serve the admin at a domain")
            }
            try await store.database.write { db in
                if key == "admin_domain", !value.isEmpty,
                    try Bool.fetchOne(
                        db, sql: "SELECT 1 FROM resource_claims c JOIN servers s ON s.id = c.server_id WHERE s.is_local = 1 AND c.claim = ?",
                        arguments: ["domain:\(value)"]) == true
                {
                    throw APIError.conflict(field: "value", "\(value) is already a host on the local server")
                }
                try db.execute(
                    sql: "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    arguments: [key, value])
                if !Self.controllerOnly.contains(key) { try Revisions.bumpAll(db) }
                if key == "admin_domain" {
                    try Revisions.bump(db, serverID: try Int64.fetchOne(db, sql: "SELECT id FROM servers WHERE is_local = 1")!)
                }
                try AuditLog.record(
                    db, AuditLog.Actor(identity, clientIP: context.clientIP), action: "update", resourceType: "setting",
                    details: ["key": key, "value": value])
            }
            try await adminDomain.refresh(store)
            if !Self.controllerOnly.contains(key) || key == "admin_domain" { onChange() }
            return JSONBody.response(["key": key, "value": value])
        }
    }
}
