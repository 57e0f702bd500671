import Foundation

/// The controller's settings: the known keys, each with its default and its rule.
enum Settings {
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
        "certificate_expiry_days": (
            "14",
            { value throws(ValidationFailure) in
                guard let days = Int(value), (1...365).contains(days), !value.hasPrefix("0") else {
                    throw ValidationFailure("value", "must be a whole number of days from 1 to 365")
                }
                return value
            }
        ),
        // Base64 of the Ed25519 public key every uploaded plugin's signature must verify with
        // (empty: uploads are checked by their loading alone); agents given the same key in
        // POSTERNPROXY_PLUGIN_SIGNING_KEY refuse a plugin the controller sends without it.
        "plugin_signing_key": (
            "",
            { value throws(ValidationFailure) in
                guard !value.isEmpty else { return "" }
                guard let key = Data(base64Encoded: value), key.count == 32 else {
                    throw ValidationFailure("value", "must be the base64 of a 32-byte Ed25519 public key, or empty")
                }
                return value
            }
        ),
    ]

    /// Settings only the controller reads: they are not part of any server's desired state
    /// (`admin_domain` reaches only the local server's, as its `admin_site`).
    static let controllerOnly: Set<String> = [
        "confirm_host_keys", "unrestricted_advanced_config", "require_two_factor", "admin_domain", "admin_http_redirect",
        "certificate_expiry_days", "plugin_signing_key",
    ]

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
}
