import JSONCore

/// How Nginx Proxy Manager's API spells values, read into PosternProxy's: flags are booleans or
/// 0/1, a reference of 0 means none, an empty `advanced_config` means none. Each reader refuses
/// anything else naming the field, so a body NPM itself would refuse is refused here too.
enum NPMValues {
    /// `true`/`false` or `1`/`0`.
    static func flag(_ value: JSON, field: String) throws(ValidationFailure) -> Bool {
        switch value {
        case .bool(let flag): return flag
        case .int(0): return false
        case .int(1): return true
        default: throw ValidationFailure(field, "must be true, false, 1 or 0")
        }
    }

    /// An id, where 0 (and null) mean none.
    static func reference(_ value: JSON, field: String) throws(ValidationFailure) -> JSON {
        switch value {
        case .null, .int(0): return .null
        case .int(let id) where id > 0: return .int(id)
        default: throw ValidationFailure(field, "must be the id of an existing one, or 0 for none")
        }
    }

    /// A stored reference as NPM shows it: 0 for none.
    static func shownReference(_ value: JSON?) -> JSON {
        if case .int(let id)? = value { return .int(id) }
        return .int(0)
    }

    /// NPM's `advanced_config` is nginx configuration text, which Caddy cannot run: only an
    /// empty one (or one of blanks and comments) is accepted, meaning none.
    static func noAdvancedConfig(_ value: JSON, field: String) throws(ValidationFailure) {
        guard case .string(let text) = value else { throw ValidationFailure(field, "must be a string") }
        let meaningful = text.split(whereSeparator: \.isNewline).contains { line in
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            return !trimmed.isEmpty && !trimmed.hasPrefix("#")
        }
        if meaningful {
            throw ValidationFailure(
                field,
                "is nginx configuration, which Caddy cannot run: leave it empty and use PosternProxy's own fields (headers, locations, rate limits, access lists) or, as an admin, Caddy JSON routes in PosternProxy's advanced_config through /api"
            )
        }
    }

    /// `meta` as NPM's clients send it: an object whose members only guide NPM's certificate
    /// requests (`letsencrypt_agree`, `dns_challenge`, …). A DNS challenge is refused: it needs a
    /// DNS provider module this controller's Caddy does not carry.
    static func checkMeta(_ value: JSON, field: String) throws(ValidationFailure) {
        guard case .object = value else { throw ValidationFailure(field, "must be an object") }
        if let challenge = value["dns_challenge"], (try? flag(challenge, field: "\(field).dns_challenge")) == true {
            throw ValidationFailure(
                "\(field).dns_challenge",
                "a DNS challenge needs a DNS provider module in Caddy; request the certificate with the HTTP challenge (the host must be reachable on port 80)"
            )
        }
    }

    /// The items of the list member `field`, each an object with only `allowed` members (`what`
    /// names an item in the refusal), with its field path: `(locations[0], members)`.
    static func objects(
        _ value: JSON, field: String, allowed: Set<String>, what: String
    ) throws(ValidationFailure) -> [(field: String, members: [(String, JSON)])] {
        guard let items = value.arrayValue else { throw ValidationFailure(field, "must be a list") }
        var objects: [(field: String, members: [(String, JSON)])] = []
        for (index, item) in items.enumerated() {
            let path = "\(field)[\(index)]"
            guard let members = item.objectMembers else { throw ValidationFailure(path, "must be an object") }
            if let unknown = members.map(\.0).first(where: { !allowed.contains($0) }) {
                throw ValidationFailure("\(path).\(unknown)", "is not a field of \(what)")
            }
            objects.append((path, members))
        }
        return objects
    }

    /// The members of `body` as an object, or a refusal of a body that is not one.
    static func members(_ body: JSON) throws(ValidationFailure) -> [(String, JSON)] {
        guard let members = body.objectMembers else { throw ValidationFailure("body", "must be a JSON object") }
        return members
    }
}
