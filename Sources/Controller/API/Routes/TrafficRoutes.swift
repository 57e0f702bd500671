import Hummingbird

/// `GET /api/traffic/hosts/{id}?range=1h|24h|7d|90d`: one host's requests, errors, latency and
/// bytes over the range, point by point and per server; `GET /api/traffic/summary`: every host
/// and server over the last 24 hours, for lists and the dashboard.
struct TrafficRoutes: Sendable {
    let traffic: TrafficService

    func register(on api: RouterGroup<AppContext>) {
        api.get("traffic/hosts/:id") { request, context in
            _ = try context.requireIdentity()
            let range = try QueryParameters(request: request).choice("range", of: TrafficRange.self) ?? .hour
            return JSONBody.response(try await traffic.host(id: try context.pathID(), range: range))
        }
        api.get("traffic/summary") { _, context in
            _ = try context.requireIdentity()
            return JSONBody.response(try await traffic.summary())
        }
    }
}
