import JSONCore

/// The API's paths and their methods (read from the OpenAPI document), so a request with a
/// method a path does not have gets 405 and `Allow` rather than 404.
struct RouteTable: Sendable {
    private let routes: [(segments: [Substring], methods: [String])]

    init(document: JSON) {
        routes = (document["paths"]?.objectMembers ?? []).map { path, operations in
            (path.split(separator: "/"), (operations.objectMembers ?? []).map { $0.0.uppercased() }.sorted())
        }
    }

    /// The methods of the path `path` matches, or nil when no path matches.
    func methods(for path: String) -> [String]? {
        let segments = path.split(separator: "/")
        let matching = routes.filter { route in
            route.segments.count == segments.count
                && zip(route.segments, segments).allSatisfy { template, segment in
                    template.hasPrefix("{") || template == segment
                }
        }
        // A literal route (`/api/users/me/two-factor`) wins over a templated one
        // (`/api/users/{id}/two-factor`), as it does in the router: its methods are the path's.
        func templates(_ route: (segments: [Substring], methods: [String])) -> Int { route.segments.filter { $0.hasPrefix("{") }.count }
        guard let fewest = matching.map(templates).min() else { return nil }
        return Array(Set(matching.filter { templates($0) == fewest }.flatMap(\.methods))).sorted()
    }
}
