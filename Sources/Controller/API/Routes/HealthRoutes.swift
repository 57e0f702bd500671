import Hummingbird

/// `GET /api/health`, without credentials: up, degraded or down and why in general terms
/// (``HealthService``); 200 unless down (503), so a load balancer needs only the status code.
struct HealthRoutes: Sendable {
    let health: HealthService

    func register(on group: RouterGroup<AppContext>) {
        group.get("health") { _, _ -> Response in
            let report = await health.report()
            var response = JSONBody.response(report.json)
            if report.status == .down { response.status = .serviceUnavailable }
            response.headers[.cacheControl] = "no-store"
            return response
        }
    }
}
