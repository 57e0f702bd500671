import JSONCore

/// Access lists: ordered client rules and basic-auth users (bcrypt).
enum AccessListKind: ResourceKind {
    static let type = "access_list"
    static let path = "access-lists"
    static let stateKey = "access_lists"
    static let referenceField: String? = "access_list_id"
    static let fields: Set<String> = Set(Payload.CodingKeys.allCases.map(\.rawValue))

    struct Client: Codable, Sendable {
        var address: String
        var directive: String
    }

    /// A user: `password` on input only; `password_hash` stored, never shown.
    struct User: Codable, Sendable {
        var username: String
        var password: String?
        var password_hash: String?
    }

    struct Payload: Codable, Sendable {
        var name: String
        var satisfy_any: Bool
        var pass_auth: Bool
        var clients: [Client]
        var items: [User]

        enum CodingKeys: String, CodingKey, CaseIterable { case name, satisfy_any, pass_auth, clients, items }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            satisfy_any = try c.value(.satisfy_any, default: false)
            pass_auth = try c.value(.pass_auth, default: false)
            clients = try c.value(.clients, default: [])
            items = try c.value(.items, default: [])
        }
    }

    static func prepare(_ input: Payload, previous: Payload?, context: ValidationContext) throws -> Payload {
        var p = input
        p.name = try FieldRules.text(p.name, field: "name")
        guard p.clients.count <= 1000 else { throw ValidationFailure("clients", "lists more than 1000 rules") }
        for index in p.clients.indices {
            p.clients[index].address = try FieldRules.cidr(p.clients[index].address, field: "clients[\(index)].address")
            p.clients[index].directive = try FieldRules.oneOf(p.clients[index].directive, ["allow", "deny"], field: "clients[\(index)].directive")
        }
        guard p.items.count <= 1000 else { throw ValidationFailure("items", "lists more than 1000 users") }
        var names = Set<String>()
        for index in p.items.indices {
            let field = "items[\(index)]"
            let username = try FieldRules.text(p.items[index].username, field: "\(field).username", maxLength: 128)
            guard !username.contains(":") else { throw ValidationFailure("\(field).username", "must not contain `:`") }
            guard names.insert(username).inserted else { throw ValidationFailure("\(field).username", "is listed twice") }
            p.items[index].username = username
            if let password = p.items[index].password, !password.isEmpty {
                guard (1...72).contains(password.utf8.count) else { throw ValidationFailure("\(field).password", "must be 1-72 bytes") }
                p.items[index].password_hash = Secrets.hashPasswordBlocking(password)
            } else if let kept = previous?.items.first(where: { $0.username == username })?.password_hash {
                guard Secrets.isPasswordHash(kept) else { throw ValidationFailure("\(field).password_hash", "is not a bcrypt hash") }
                p.items[index].password_hash = kept
            } else {
                throw ValidationFailure("\(field).password", "is required for a new user")
            }
            p.items[index].password = nil
        }
        return p
    }

    static func checkInputOnly(_ body: JSON) throws(ValidationFailure) {
        for (index, item) in (body["items"]?.arrayValue ?? []).enumerated() where item["password_hash"] != nil {
            throw ValidationFailure("items[\(index)].password_hash", "is not a field here: send the password, it is hashed for you")
        }
    }

    static func claims(_ payload: Payload) -> [String] { [] }
    static func searchText(_ payload: Payload) -> String { payload.name.lowercased() }

    static var storesSecrets: Bool { true }

    static func publicJSON(_ payload: Payload) throws -> JSON {
        var object = try JSONValueEncoder().encode(payload)
        object["items"] = .array(payload.items.map { ["username": .string($0.username)] })
        return object
    }
}
