import Hummingbird

/// `GET /metrics`: the controller's measurements in the Prometheus text format
/// (``ControllerMetrics``), for an admin or an API token scoped to `metrics`.
struct MetricsRoutes: Sendable {
    let metrics: ControllerMetrics
    let store: Store
    let agentsConnected: @Sendable () async -> Int

    func register(on group: RouterGroup<AppContext>) {
        group.get { _, context -> Response in
            let identity = try context.requireIdentity()
            guard identity.isAdmin || identity.metricsOnly else {
                throw APIError.forbidden("only an admin or an API token scoped to metrics reads /metrics")
            }
            let snapshot = try await store.database.read { db in try MetricsRepository.snapshot(db) }
            let text = metrics.render(snapshot, agentsConnected: await agentsConnected(), traffic: store.trafficSeries)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: text)))
        }
    }
}
