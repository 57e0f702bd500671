import Foundation

/// Small builders for JSON Schema fragments of the OpenAPI document. (Its constants are
/// immutable dictionaries, written once: `nonisolated(unsafe)` only because `Any` is not Sendable.)
enum Schema {
    static func string(
        _ description: String? = nil, maxLength: Int? = nil, format: String? = nil, values: [String]? = nil,
        pattern: String? = nil, minLength: Int? = nil
    ) -> [String: Any] {
        var schema: [String: Any] = ["type": "string"]
        if let pattern { schema["pattern"] = pattern }
        if let minLength { schema["minLength"] = minLength }
        if let description { schema["description"] = description }
        if let maxLength { schema["maxLength"] = maxLength }
        if let format { schema["format"] = format }
        if let values { schema["enum"] = values }
        return schema
    }

    static func integer(_ description: String? = nil, minimum: Int? = nil, maximum: Int? = nil) -> [String: Any] {
        var schema: [String: Any] = ["type": "integer"]
        if let description { schema["description"] = description }
        if let minimum { schema["minimum"] = minimum }
        if let maximum { schema["maximum"] = maximum }
        return schema
    }

    static func nullableInteger(_ description: String) -> [String: Any] {
        ["type": ["integer", "null"], "description": description]
    }

    nonisolated(unsafe) static let port: [String: Any] = integer(minimum: 1, maximum: 65535)

    /// Text shown to people: no control characters, no `{` `}`.
    static func text(_ description: String? = nil, maxLength: Int = 255) -> [String: Any] {
        string(description, maxLength: maxLength, pattern: #"^[^\x00-\x1F\x7F{}]*[^\x00-\x20\x7F{}][^\x00-\x1F\x7F{}]*$"#, minLength: 1)
    }

    /// A DNS name (ASCII; IDNs are also accepted and stored as punycode), `*.` as a leftmost
    /// label; a single label only for host names (`backend`).
    static func domain(wildcard: Bool, singleLabel: Bool = false) -> [String: Any] {
        // Domain names may be internationalized (stored as punycode, at most 63 bytes a label);
        // host names are ASCII.
        let character = singleLabel ? "a-zA-Z0-9" : #"a-zA-Z0-9\u00a1-\uffff"#
        let label =
            singleLabel
            ? "[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
            : "[\(character)]([\(character)-]{0,14}[\(character)])?|[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
        let prefix = wildcard ? #"(\*\.)?"# : ""
        return string(
            "A domain name", maxLength: 253, pattern: "^" + prefix + "(" + label + ")" + #"(\.("# + label + "))" + (singleLabel ? "*$" : "+$"),
            minLength: 1)
    }

    /// A host name or an IP address.
    nonisolated(unsafe) static let host: [String: Any] = [
        "anyOf": [domain(wildcard: false, singleLabel: true), ["type": "string", "format": "ipv4"], ["type": "string", "format": "ipv6"]],
        "description": "A host name or IP address",
    ]
    nonisolated(unsafe) static let boolean: [String: Any] = ["type": "boolean"]
    nonisolated(unsafe) static let id: [String: Any] = integer(minimum: 1)

    static func array(_ items: [String: Any], maxItems: Int? = nil) -> [String: Any] {
        var schema: [String: Any] = ["type": "array", "items": items]
        if let maxItems { schema["maxItems"] = maxItems }
        return schema
    }

    /// An object; optional members may also be null (the API reads null as "not sent").
    static func object(_ properties: [String: [String: Any]], required: [String] = [], closed: Bool = true) -> [String: Any] {
        var members = properties
        for (name, property) in properties where !required.contains(name) { members[name] = nullable(property) }
        var schema: [String: Any] = ["type": "object", "properties": members]
        if !required.isEmpty { schema["required"] = required }
        if closed { schema["additionalProperties"] = false }
        return schema
    }

    static func reference(_ name: String) -> [String: Any] { ["$ref": "#/components/schemas/\(name)"] }

    /// `schema`, or null.
    static func nullable(_ schema: [String: Any]) -> [String: Any] {
        if let type = schema["type"] as? String {
            var copy = schema
            copy["type"] = [type, "null"]
            if let values = copy["enum"] as? [Any] { copy["enum"] = values + [NSNull()] }
            return copy
        }
        if let types = schema["type"] as? [String] {
            var copy = schema
            if !types.contains("null") { copy["type"] = types + ["null"] }
            return copy
        }
        return ["anyOf": [schema, ["type": "null"]]]
    }
}
