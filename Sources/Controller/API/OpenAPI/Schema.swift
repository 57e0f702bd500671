import JSONCore

/// Small builders for JSON Schema fragments of the OpenAPI document.
enum Schema {
    static func string(
        _ description: String? = nil, maxLength: Int? = nil, format: String? = nil, values: [String]? = nil,
        pattern: String? = nil, minLength: Int? = nil
    ) -> JSON {
        var schema: JSON = ["type": "string"]
        if let pattern { schema["pattern"] = .string(pattern) }
        if let minLength { schema["minLength"] = .int(minLength) }
        if let description { schema["description"] = .string(description) }
        if let maxLength { schema["maxLength"] = .int(maxLength) }
        if let format { schema["format"] = .string(format) }
        if let values { schema["enum"] = .strings(values) }
        return schema
    }

    static func integer(_ description: String? = nil, minimum: Int? = nil, maximum: Int? = nil) -> JSON {
        var schema: JSON = ["type": "integer"]
        if let description { schema["description"] = .string(description) }
        if let minimum { schema["minimum"] = .int(minimum) }
        if let maximum { schema["maximum"] = .int(maximum) }
        return schema
    }

    static func nullableInteger(_ description: String) -> JSON {
        ["type": ["integer", "null"], "description": .string(description)]
    }

    static let port: JSON = integer(minimum: 1, maximum: 65535)

    /// Text shown to people: no control characters, no `{` `}`.
    static func text(_ description: String? = nil, maxLength: Int = 255) -> JSON {
        string(description, maxLength: maxLength, pattern: #"^[^\x00-\x1F\x7F{}]*[^\x00-\x20\x7F{}][^\x00-\x1F\x7F{}]*$"#, minLength: 1)
    }

    /// A DNS name (ASCII; IDNs are also accepted and stored as punycode), `*.` as a leftmost
    /// label; a single label only for host names (`backend`).
    static func domain(wildcard: Bool, singleLabel: Bool = false) -> JSON {
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
    static let host: JSON = [
        "anyOf": [domain(wildcard: false, singleLabel: true), ["type": "string", "format": "ipv4"], ["type": "string", "format": "ipv6"]],
        "description": "A host name or IP address",
    ]
    static let boolean: JSON = ["type": "boolean"]
    static let id: JSON = integer(minimum: 1)

    static func array(_ items: JSON, maxItems: Int? = nil) -> JSON {
        var schema: JSON = ["type": "array", "items": items]
        if let maxItems { schema["maxItems"] = .int(maxItems) }
        return schema
    }

    /// An object; optional members may also be null (the API reads null as "not sent").
    /// Members are listed by name.
    static func object(_ properties: [String: JSON], required: [String] = [], closed: Bool = true) -> JSON {
        let members = properties.keys.sorted().map { name in (name, required.contains(name) ? properties[name]! : nullable(properties[name]!)) }
        var schema: JSON = ["type": "object", "properties": .object(members)]
        if !required.isEmpty { schema["required"] = .strings(required) }
        if closed { schema["additionalProperties"] = false }
        return schema
    }

    static func reference(_ name: String) -> JSON { ["$ref": .string("#/components/schemas/\(name)")] }

    /// `schema`, or null.
    static func nullable(_ schema: JSON) -> JSON {
        var copy = schema
        switch schema["type"] {
        case .string(let type)?:
            copy["type"] = [.string(type), "null"]
            if let values = copy["enum"]?.arrayValue { copy["enum"] = .array(values + [.null]) }
            return copy
        case .array(let types)?:
            if !types.contains("null") { copy["type"] = .array(types + ["null"]) }
            return copy
        default:
            return ["anyOf": [schema, ["type": "null"]]]
        }
    }
}

extension JSON {
    /// This object with the members of `other` added; `combine` picks the value of a name both have.
    func merging(_ other: [String: JSON], _ combine: (JSON, JSON) -> JSON) -> JSON {
        var merged = self
        for name in other.keys.sorted() { merged[name] = merged[name].map { combine($0, other[name]!) } ?? other[name]! }
        return merged
    }
}
