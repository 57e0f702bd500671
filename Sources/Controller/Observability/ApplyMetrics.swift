import CoreMetrics

/// Each apply on a server, as swift-metrics measurements (``ControllerMetrics`` serves them):
/// `posternproxy_apply_duration_seconds{server}` (the local pipeline's run; for an agent, from
/// sending the desired state to its answer) and `posternproxy_apply_failures_total{server}`.
enum ApplyMetrics {
    static func record(server: String, duration: Duration, failed: Bool) {
        Timer(label: "posternproxy_apply_duration_seconds", dimensions: [("server", server)]).record(duration: duration)
        let failures = Counter(label: "posternproxy_apply_failures_total", dimensions: [("server", server)])
        failures.increment(by: failed ? 1 : 0)
    }
}
