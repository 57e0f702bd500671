/// What the simpler host kinds share.
enum HostKinds {
    /// The status codes a redirection host may answer with (Nginx Proxy Manager's choice).
    static let redirectCodes = [300, 301, 302, 303, 307, 308]

    /// A redirect target's domain name and the path after it, if any (`example.com/new` →
    /// `example.com`, `/new`).
    static func splitTarget(_ target: String) -> (domain: String, path: String?) {
        guard let slash = target.firstIndex(of: "/") else { return (target, nil) }
        return (String(target[..<slash]), String(target[slash...]))
    }
}

/// Redirection hosts.
enum RedirectionHostKind: ResourceKind {
    static let type = "redirection_host"
    static let path = "redirection-hosts"
    static let stateKey = "redirection_hosts"
    static let fields: Set<String> = Set(Payload.CodingKeys.allCases.map(\.rawValue))

    struct Payload: Codable, Sendable {
        var domain_names: [String]
        var forward_scheme: String
        var forward_domain_name: String
        var forward_http_code: Int
        var preserve_path: Bool
        var certificate_id: Int64?
        var ssl_forced: Bool

        enum CodingKeys: String, CodingKey, CaseIterable {
            case domain_names, forward_scheme, forward_domain_name, forward_http_code, preserve_path, certificate_id, ssl_forced
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            domain_names = try c.decode([String].self, forKey: .domain_names)
            forward_scheme = try c.value(.forward_scheme, default: "auto")
            forward_domain_name = try c.decode(String.self, forKey: .forward_domain_name)
            forward_http_code = try c.value(.forward_http_code, default: 301)
            preserve_path = try c.value(.preserve_path, default: true)
            certificate_id = try c.decodeIfPresent(Int64.self, forKey: .certificate_id)
            ssl_forced = try c.value(.ssl_forced, default: false)
        }
    }

    /// Checks text only.
    static func prepareMayWait(_ input: Payload, context: ValidationContext) -> Bool { false }

    static func prepare(_ input: Payload, previous: Payload?, context: ValidationContext) throws -> Payload {
        var p = input
        p.domain_names = try FieldRules.domainNames(p.domain_names, field: "domain_names")
        p.forward_scheme = try FieldRules.oneOf(p.forward_scheme, ["auto", "http", "https"], field: "forward_scheme")
        // A domain name, optionally followed by a path the redirect leads to (`example.com/new`).
        let (domain, path) = HostKinds.splitTarget(p.forward_domain_name)
        let name = try FieldRules.domainName(domain, field: "forward_domain_name")
        guard !name.hasPrefix("*") else { throw ValidationFailure("forward_domain_name", "must not be a wildcard") }
        p.forward_domain_name = name + (try path.map { try FieldRules.pathPrefix($0, field: "forward_domain_name") } ?? "")
        guard HostKinds.redirectCodes.contains(p.forward_http_code) else {
            throw ValidationFailure("forward_http_code", "must be 300, 301, 302, 303, 307 or 308")
        }
        return p
    }

    static func claims(_ payload: Payload) -> [String] { payload.domain_names.map { "domain:\($0)" } }
    static func references(_ payload: Payload) -> [(type: String, id: Int64, field: String)] {
        payload.certificate_id.map { [("certificate", $0, "certificate_id")] } ?? []
    }
    static func searchText(_ payload: Payload) -> String { (payload.domain_names + [payload.forward_domain_name]).joined(separator: " ") }
}

/// Dead (404) hosts.
enum DeadHostKind: ResourceKind {
    static let type = "dead_host"
    static let path = "dead-hosts"
    static let stateKey = "dead_hosts"
    static let fields: Set<String> = Set(Payload.CodingKeys.allCases.map(\.rawValue))

    struct Payload: Codable, Sendable {
        var domain_names: [String]
        var certificate_id: Int64?
        var ssl_forced: Bool
        var access_list_id: Int64?

        enum CodingKeys: String, CodingKey, CaseIterable { case domain_names, certificate_id, ssl_forced, access_list_id }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            domain_names = try c.decode([String].self, forKey: .domain_names)
            certificate_id = try c.decodeIfPresent(Int64.self, forKey: .certificate_id)
            ssl_forced = try c.value(.ssl_forced, default: false)
            access_list_id = try c.decodeIfPresent(Int64.self, forKey: .access_list_id)
        }
    }

    /// Checks text only.
    static func prepareMayWait(_ input: Payload, context: ValidationContext) -> Bool { false }

    static func prepare(_ input: Payload, previous: Payload?, context: ValidationContext) throws -> Payload {
        var p = input
        p.domain_names = try FieldRules.domainNames(p.domain_names, field: "domain_names")
        return p
    }

    static func claims(_ payload: Payload) -> [String] { payload.domain_names.map { "domain:\($0)" } }
    static func references(_ payload: Payload) -> [(type: String, id: Int64, field: String)] {
        [payload.certificate_id.map { ("certificate", $0, "certificate_id") }, payload.access_list_id.map { ("access_list", $0, "access_list_id") }]
            .compactMap { $0 }
    }
    static func searchText(_ payload: Payload) -> String { payload.domain_names.joined(separator: " ") }
}
