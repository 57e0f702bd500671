import JSONCore

extension JSON {
    /// This object with `suffix` appended to its `@id`.
    func suffixingID(_ suffix: String) -> JSON {
        guard case .object(let members) = self else { return self }
        return .object(
            members.map { key, value in
                if key == "@id", case .string(let id) = value { return (key, .string(id + suffix)) }
                return (key, value)
            })
    }

    /// This object with `members` added at its end.
    func adding(_ members: [(String, JSON)]) -> JSON {
        guard case .object(let existing) = self, !members.isEmpty else { return self }
        return .object(existing + members)
    }
}
