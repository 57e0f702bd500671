import Hummingbird
import JSONCore

/// NPM's `expand`: the owner (`owner`), and the certificate and access list a host uses
/// (`certificate`, `access_list`: null when it uses none), each in NPM's own shape.
struct NPMExpansions: Sendable {
    let users: UserService
    let certificates: ResourceService<CertificateKind>
    let accessLists: ResourceService<AccessListKind>

    /// The expansions a request asks for: `expand=owner,certificate`.
    static func asked(_ request: Request) -> Set<String> {
        Set((request.uri.queryParameters.get("expand") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
    }

    /// The proxy hosts referring to each resource of `Shape`'s kind, when NPM shows that count
    /// (an access list's `proxy_host_count`); nil when it shows none. One query for a whole list.
    static func referrerCounts<Shape: NPMShape>(_ shape: Shape.Type, _ service: ResourceService<Shape.Kind>) async throws -> [Int64: Int]? {
        guard Shape.referrerCountMember != nil else { return nil }
        return try await service.referrerCounts(type: ProxyHostKind.type)
    }

    /// `shown` with its count of referring proxy hosts, out of `counts`.
    static func counted<Shape: NPMShape>(_ shown: JSON, _ shape: Shape.Type, id: JSON?, counts: [Int64: Int]?) -> JSON {
        guard let member = Shape.referrerCountMember, let counts, case .int(let id)? = id else { return shown }
        var shown = shown
        shown[member] = .int(counts[Int64(id)] ?? 0)
        return shown
    }

    func expand(_ shown: JSON, resource: JSON, asked: Set<String>, identity: Identity) async throws -> JSON {
        var shown = shown
        if asked.contains("owner"), case .int(let ownerID)? = shown["owner_user_id"] {
            // A viewer may read only their own account: others' owners are left out.
            shown["owner"] = (try? await users.get(Int64(ownerID), as: identity)).map { NPMUser.shown($0) } ?? .null
        }
        if asked.contains("certificate"), shown["certificate_id"] != nil {
            shown["certificate"] = try await referenced(resource["certificate_id"], certificates, NPMCertificate.self)
        }
        if asked.contains("access_list"), shown["access_list_id"] != nil {
            shown["access_list"] = try await referenced(resource["access_list_id"], accessLists, NPMAccessList.self)
        }
        return shown
    }

    private func referenced<Shape: NPMShape>(
        _ id: JSON?, _ service: ResourceService<Shape.Kind>, _ shape: Shape.Type
    ) async throws -> JSON {
        guard case .int(let id)? = id else { return .null }
        let shown = Shape.shown(try await service.get(Int64(id)), expand: [])
        return Self.counted(shown, Shape.self, id: .int(id), counts: try await Self.referrerCounts(Shape.self, service))
    }
}
