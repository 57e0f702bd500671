import JSONCore

/// One of Nginx Proxy Manager's resources (`/nginx/proxy-hosts`, …) as NPM's API takes and shows
/// it, over the PosternProxy resource kind that carries it. A request's members are translated
/// one by one through ``members``, so every member NPM's schema allows has exactly one meaning
/// here, and a member it does not allow is refused like NPM refuses it.
protocol NPMShape: Sendable {
    associatedtype Kind: ResourceKind
    /// The path under `/npm/api/nginx/`.
    static var path: String { get }
    /// What each member NPM's API takes becomes (members every shape takes, `enabled`, `meta` and
    /// `server_id`, are handled by ``NPMShapes``).
    static var members: [String: NPMMember] { get }
    /// Refuses what only the members together say cannot be honoured (nothing by default).
    static func check(_ npm: JSON) throws(ValidationFailure)
    /// The resource as NPM shows it, from PosternProxy's view of it, with the expansions asked
    /// for that the resource itself holds (``NPMShapes/common(_:)`` gives the members every
    /// shape shows).
    static func shown(_ resource: JSON, expand: Set<String>) -> JSON
    /// The member that counts the proxy hosts referring to the resource (NPM's
    /// `proxy_host_count` of an access list); nil for none.
    static var referrerCountMember: String? { get }
    /// Whether NPM enables and disables it (`/enable`, `/disable`): hosts and streams do, access
    /// lists do not.
    static var togglable: Bool { get }
    /// Whether NPM updates it with `PUT` (certificates are replaced by an upload instead).
    static var editable: Bool { get }
}

extension NPMShape {
    static func check(_ npm: JSON) throws(ValidationFailure) {}
    static var referrerCountMember: String? { nil }
    static var togglable: Bool { true }
    static var editable: Bool { true }
}

/// What one member of an NPM request becomes in PosternProxy's.
enum NPMMember: Sendable {
    /// The same member, the same value (checked by the kind's own rules).
    case same
    /// The member named `ours`, with the same value.
    case renamed(String)
    /// A flag (boolean or 0/1) for the member named `ours`.
    case flag(String)
    /// A reference (0 or null for none) for the member named `ours`.
    case reference(String)
    /// nginx configuration text: only an empty one is accepted.
    case noAdvancedConfig
    /// A flag PosternProxy has no counterpart for: `false` (or 0) is what it does anyway; `true`
    /// is refused with `reason`.
    case onlyOff(reason: String)
    /// A value translated by a function into PosternProxy's members (none, one or several).
    case translated(@Sendable (JSON) throws(ValidationFailure) -> [(String, JSON)])
}

/// What every NPM shape shares: translating requests and the common members of answers.
enum NPMShapes {
    /// PosternProxy's request body for an NPM request body (only the members it sent, so an
    /// update changes only those).
    static func body<Shape: NPMShape>(_ shape: Shape.Type, from npm: JSON) throws(ValidationFailure) -> JSON {
        var ours: [(String, JSON)] = []
        for (name, value) in try NPMValues.members(npm) {
            switch name {
            case "enabled": ours.append(("enabled", .bool(try NPMValues.flag(value, field: name))))
            case "meta": try NPMValues.checkMeta(value, field: name)
            // PosternProxy's own: which server carries the resource (the local one when absent).
            case "server_id": ours.append((name, value))
            default:
                guard let member = Shape.members[name] else { throw ValidationFailure(name, "is not a field of this NPM resource") }
                ours += try translate(member, name: name, value: value)
            }
        }
        try Shape.check(npm)
        return .object(ours)
    }

    private static func translate(_ member: NPMMember, name: String, value: JSON) throws(ValidationFailure) -> [(String, JSON)] {
        switch member {
        case .same: return [(name, value)]
        case .renamed(let ours): return [(ours, value)]
        case .flag(let ours): return [(ours, .bool(try NPMValues.flag(value, field: name)))]
        case .reference(let ours):
            if case .string("new") = value {
                throw ValidationFailure(
                    name, "\"new\" asks NPM to request a certificate: request it first (POST /npm/api/nginx/certificates) and send its id")
            }
            return [(ours, try NPMValues.reference(value, field: name))]
        case .noAdvancedConfig:
            try NPMValues.noAdvancedConfig(value, field: name)
            return []
        case .onlyOff(let reason):
            guard try !NPMValues.flag(value, field: name) else { throw ValidationFailure(name, reason) }
            return []
        case .translated(let translation):
            return try translation(value)
        }
    }

    /// The members every NPM resource shows, from PosternProxy's view: `id`, `created_on`,
    /// `modified_on`, `owner_user_id` (NPM's first user when the resource has no owner),
    /// `enabled` and `meta` (NPM's `nginx_online`/`nginx_err`, from the last apply on its
    /// server). Not the server: several of NPM's shapes allow no other member (a list takes
    /// `server_id` to show one server's).
    static func common(_ resource: JSON) -> [(String, JSON)] {
        let status = resource["apply_status"]
        let failed = status?["status"]?.stringValue == "failed"
        let owner: JSON = if case .int(let id)? = resource["owner_user_id"] { .int(id) } else { .int(1) }
        return [
            ("id", resource["id"] ?? .null), ("created_on", resource["created_on"] ?? .null), ("modified_on", resource["modified_on"] ?? .null),
            ("owner_user_id", owner), ("enabled", resource["enabled"] ?? .bool(true)),
            ("meta", .object([("nginx_online", .bool(!failed)), ("nginx_err", failed ? status?["message"] ?? .null : .null)])),
        ]
    }

    /// `resource`'s members `names`, as they are (null when absent).
    static func copied(_ resource: JSON, _ names: [String]) -> [(String, JSON)] {
        names.map { ($0, resource[$0] ?? .null) }
    }
}
