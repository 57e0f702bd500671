import JSONCore

extension JSON {
    /// This object with `suffix` appended to its `@id`.
    func suffixingID(_ suffix: String) -> JSON {
        guard case .object(let members) = self else { return self }
        return .object(members.map { key, value in
            if key == "@id", case .string(let id) = value { return (key, .string(id + suffix)) }
            return (key, value)
        })
    }

    /// An array of strings.
    static func strings(_ values: [String]) -> JSON { .array(values.map(JSON.string)) }
}

extension JSON {
    /// This value with every object's members sorted by name, a repeated name keeping its last
    /// value (as Caddy's own decoder would), so documents that differ only in member order
    /// render alike.
    func canonical() -> JSON {
        switch self {
        case .object(let members):
            let latest = Dictionary(members, uniquingKeysWith: { _, last in last })
            return .object(latest.keys.sorted().map { ($0, latest[$0]!.canonical()) })
        case .array(let items): return .array(items.map { $0.canonical() })
        default: return self
        }
    }
}
