import JSONCore

/// NPM's access list over ``AccessListKind``: basic-auth users (`items`; an empty password keeps
/// a user's stored one, as NPM's form sends it) and client rules (`clients`, in order; NPM's
/// address `all` becomes a rule for every IPv4 and one for every IPv6 address).
enum NPMAccessList: NPMShape {
    typealias Kind = AccessListKind
    static let path = "access-lists"
    static let referrerCountMember: String? = "proxy_host_count"
    static let togglable = false

    static let members: [String: NPMMember] = [
        "name": .same, "satisfy_any": .flag("satisfy_any"), "pass_auth": .flag("pass_auth"),
        "items": .translated(items), "clients": .translated(clients),
    ]

    static func shown(_ list: JSON, expand: Set<String>) -> JSON {
        var members = NPMShapes.common(list).filter { $0.0 != "enabled" } + NPMShapes.copied(list, ["name", "satisfy_any", "pass_auth"])
        if expand.contains("items") {
            let users = (list["items"]?.arrayValue ?? []).map { user in JSON.object([("username", user["username"] ?? ""), ("password", "")]) }
            members.append(("items", .array(users)))
        }
        if expand.contains("clients") {
            members.append(("clients", .array((list["clients"]?.arrayValue ?? []).map { .object(NPMShapes.copied($0, ["address", "directive"])) })))
        }
        return .object(members)
    }

    @Sendable static func items(_ value: JSON) throws(ValidationFailure) -> [(String, JSON)] {
        let users = try NPMValues.objects(value, field: "items", allowed: ["username", "password"], what: "an NPM access list user")
        return [("items", .array(users.map { .object($0.members) }))]
    }

    @Sendable static func clients(_ value: JSON) throws(ValidationFailure) -> [(String, JSON)] {
        var ours: [JSON] = []
        for (_, members) in try NPMValues.objects(value, field: "clients", allowed: ["address", "directive"], what: "an NPM access list rule") {
            let rule = JSON.object(members)
            if rule["address"] == "all" {
                let directive = rule["directive"] ?? .null
                ours += [.object([("address", "0.0.0.0/0"), ("directive", directive)]), .object([("address", "::/0"), ("directive", directive)])]
            } else {
                ours.append(rule)
            }
        }
        return [("clients", .array(ours))]
    }
}
