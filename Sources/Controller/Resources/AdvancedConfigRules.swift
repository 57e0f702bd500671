import JSONCore

/// What an admin's raw Caddy routes (`advanced_config`) may do while the setting
/// `unrestricted_advanced_config` is off (the default): nothing that reads the host Caddy runs
/// on. Caddy runs as the controller's user; a route that serves files, renders templates, runs
/// FastCGI programs or expands `{env.*}` / `{file.*}` placeholders would hand its environment,
/// the credentials key or the database to anyone who requests the host. Turning the setting on
/// is an admin's explicit, audited choice.
enum AdvancedConfigRules {
    /// Handlers that read files or run programs on the host.
    static let hostReadingHandlers: Set<String> = ["file_server", "templates", "php_fastcgi", "fastcgi", "exec"]
    /// Placeholder families that read the host's environment or files.
    static let hostReadingPlaceholders = ["{env.", "{file.", "{system."]

    static func check(_ routes: [JSON], field: String) throws(ValidationFailure) {
        for (index, route) in routes.enumerated() { try check(route, path: "\(field)[\(index)]") }
    }

    private static func check(_ value: JSON, path: String) throws(ValidationFailure) {
        switch value {
        case .string(let text):
            if let family = hostReadingPlaceholders.first(where: { text.contains($0) }) {
                throw ValidationFailure(
                    path, "uses a \(family)…} placeholder, which reads the host; turn unrestricted_advanced_config on to allow it")
            }
        case .array, .serializedItems:
            for (index, item) in (value.arrayValue ?? []).enumerated() { try check(item, path: "\(path)[\(index)]") }
        case .object(let members):
            if case .string(let handler)? = value["handler"], hostReadingHandlers.contains(handler) {
                throw ValidationFailure(path, "uses the \(handler) handler, which reads the host; turn unrestricted_advanced_config on to allow it")
            }
            if case .string("fastcgi")? = value["transport"]?["protocol"] {
                throw ValidationFailure("\(path).transport", "runs FastCGI programs on the host; turn unrestricted_advanced_config on to allow it")
            }
            for (key, member) in members {
                if hostReadingPlaceholders.contains(where: { key.contains($0) }) {
                    throw ValidationFailure(path, "has a key with a placeholder that reads the host")
                }
                try check(member, path: "\(path).\(key)")
            }
        case .int, .double, .bool, .null:
            return
        }
    }
}
