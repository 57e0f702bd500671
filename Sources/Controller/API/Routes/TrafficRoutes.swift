import Hummingbird

/// `GET /api/traffic/hosts/{id}?range=1h|24h|7d|90d`: one host's requests, errors, latency and
/// bytes over the range, point by point and per server; `GET /api/traffic/summary`: every host
/// and server over the last 24 hours, for lists and the dashboard (`?ids=1,2,3`: only those hosts,
/// at most 200).
struct TrafficRoutes: Sendable {
    let traffic: TrafficService

    func register(on api: RouterGroup<AppContext>) {
        api.get("traffic/hosts/:id") { request, context in
            _ = try context.requireIdentity()
            let range = try QueryParameters(request: request).choice("range", of: TrafficRange.self) ?? .hour
            return JSONBody.response(try await traffic.host(id: try context.pathID(), range: range))
        }
        api.get("traffic/summary") { request, context in
            _ = try context.requireIdentity()
            return JSONBody.response(
                try await traffic.summary(hostIDs: try Self.ids(QueryParameters(request: request).string("ids", maxLength: 2000))))
        }
    }

    /// `1,2,3`: ids, at most 200; nil when absent.
    private static func ids(_ text: String?) throws -> [Int64]? {
        guard let text else { return nil }
        let ids = text.split(separator: ",", omittingEmptySubsequences: false).map { Int64($0) }
        guard ids.count <= 200, ids.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw APIError.invalid(field: "ids", "must be up to 200 ids separated by commas")
        }
        return ids.compactMap { $0 }
    }
}
