import CoreMetrics
import Foundation
import Prometheus

/// The controller's own measurements, served at `GET /metrics` in the Prometheus text format.
///
/// Events are counted as they happen, through swift-metrics (bootstrapped once per process onto
/// this registry): the API's requests by route, method and status and their durations (Hummingbird's
/// `MetricsMiddleware`, renamed `posternproxy_http_*`), and each server's applies — their
/// duration and failures. What the database holds is read at each scrape and written as text
/// (``PrometheusText``), not registered: each server's status and revision lag, the agents
/// connected, provisioning runs by outcome, and the expiry of every certificate whose expiry is
/// known. (The registry copies a metric's whole family to add one label set: 10,000 servers'
/// gauges registered there would cost minutes.)
final class ControllerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    /// swift-metrics' names for Hummingbird's HTTP measurements, and ours.
    private static let renamed: [String: String] = [
        "hb.requests": "posternproxy_http_requests_total", "hb.request.errors": "posternproxy_http_request_errors_total",
        "http.server.request.duration": "posternproxy_http_request_duration_seconds",
        "http.server.active_requests": "posternproxy_http_active_requests",
    ]
    private static let renamedLabels = ["http.route": "route", "http.request.method": "method", "http.response.status_code": "status"]

    /// Bootstraps swift-metrics onto a new registry; once per process (a second call keeps the
    /// first system, and its measurements reach only the first registry).
    static func bootstrap() -> ControllerMetrics {
        let metrics = ControllerMetrics()
        var factory = PrometheusMetricsFactory(registry: metrics.registry)
        factory.nameAndLabelSanitizer = { name, labels in
            (renamed[name] ?? name, labels.map { (renamedLabels[$0.0] ?? $0.0, $0.1) })
        }
        MetricsSystem.bootstrap(factory)
        return metrics
    }

    /// The text of a scrape: the events counted so far, then what `snapshot` says with
    /// `agentsConnected`, and each host's traffic (`traffic`), written at each scrape (a server or
    /// certificate that is gone is simply not written).
    func render(_ snapshot: MetricsRepository.Snapshot, agentsConnected: Int, traffic: TrafficSeries? = nil) -> [UInt8] {
        var text = PrometheusText(after: registry.emitToBuffer())
        text.family("posternproxy_server_online", .gauge)
        for server in snapshot.servers {
            text.sample("posternproxy_server_online", ["server": server.name], server.status == "online" ? Int64(1) : 0)
        }
        text.family("posternproxy_server_status", .gauge)
        for server in snapshot.servers { text.sample("posternproxy_server_status", ["server": server.name, "status": server.status], Int64(1)) }
        text.family("posternproxy_server_revision_lag", .gauge)
        for server in snapshot.servers {
            text.sample("posternproxy_server_revision_lag", ["server": server.name], max(0, server.desiredRevision - server.appliedRevision))
        }
        text.family("posternproxy_agents_connected", .gauge)
        text.sample("posternproxy_agents_connected", [:], Int64(agentsConnected))
        text.family("posternproxy_provisioning_runs", .gauge)
        for (status, count) in snapshot.provisioningRuns.sorted(by: { $0.key < $1.key }) {
            text.sample("posternproxy_provisioning_runs", ["status": status], Int64(count))
        }
        text.family("posternproxy_certificate_expiry_timestamp_seconds", .gauge)
        for certificate in snapshot.certificateExpiries {
            text.sample(
                "posternproxy_certificate_expiry_timestamp_seconds", ["certificate": String(certificate.id), "name": certificate.name],
                certificate.expires.timeIntervalSince1970)
        }
        traffic?.write(to: &text)
        return text.bytes
    }
}
