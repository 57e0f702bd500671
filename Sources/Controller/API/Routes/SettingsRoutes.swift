import Foundation
import GRDB
import Hummingbird

/// `/api/settings` (SPEC §3.10): known keys only, each validated; changing one is audited, and
/// changing one the data plane reads re-renders every server.
struct SettingsRoutes: Sendable {
    let store: Store
    let onChange: @Sendable () -> Void

    /// The settings, their defaults and rules.
    static let known: [String: (default: String, validate: @Sendable (String) throws(ValidationFailure) -> String)] = [
        "require_two_factor": ("false", { value throws(ValidationFailure) in try FieldRules.oneOf(value, ["true", "false"], field: "value") }),
        "acme_directory": ("https://acme-v02.api.letsencrypt.org/directory", { value throws(ValidationFailure) in try FieldRules.httpURL(value, field: "value") }),
        "acme_email": ("", { value throws(ValidationFailure) in value.isEmpty ? "" : try FieldRules.email(value, field: "value") }),
        "default_site": ("404", { value throws(ValidationFailure) in try FieldRules.oneOf(value, ["404", "444", "redirect", "congratulations"], field: "value") }),
        "default_site_redirect": ("", { value throws(ValidationFailure) in value.isEmpty ? "" : try FieldRules.httpURL(value, field: "value") }),
    ]

    /// Settings only the controller reads: they are not part of any server's desired state.
    static let controllerOnly: Set<String> = ["require_two_factor"]

    struct Change: Decodable { var value: String }

    /// The settings a server's data plane reads (desired states carry them).
    static func dataPlane(_ db: Database) throws -> [String: String] {
        try all(db).filter { !controllerOnly.contains($0.key) }
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
            guard let key = context.parameters.get("key"), let rule = Self.known[key] else { throw APIError.notFound("setting") }
            let input = try JSONBody.decode(Change.self, from: try await JSONBody.object(request, context: context), allowed: ["value"])
            let value: String
            do { value = try rule.validate(input.value) } catch { throw APIError.invalid(error) }
            try await store.database.write { db in
                try db.execute(sql: "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", arguments: [key, value])
                if !Self.controllerOnly.contains(key) { try Revisions.bumpAll(db) }
                try AuditLog.record(db, AuditLog.Actor(identity, clientIP: context.clientIP), action: "update", resourceType: "setting",
                                    details: ["key": key, "value": value])
            }
            if !Self.controllerOnly.contains(key) { onChange() }
            return JSONBody.response(["key": key, "value": value])
        }
    }
}
