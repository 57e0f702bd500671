import CoreMetrics
import Foundation
import Prometheus
import Synchronization

/// The controller's own measurements, served at `GET /metrics` in the Prometheus text format.
///
/// Events are counted as they happen, through swift-metrics (bootstrapped once per process onto
/// this registry): the API's requests by route, method and status and their durations (Hummingbird's
/// `MetricsMiddleware`, renamed `posternproxy_http_*`), and each server's applies — their
/// duration and failures. What the database holds is read at each scrape: each server's status
/// and revision lag, the agents connected, provisioning runs by outcome, and the expiry of every
/// certificate whose expiry is known. A server or certificate that is gone leaves the output.
final class ControllerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// The labels of each scrape-time gauge set at the last scrape, to remove those that vanished.
    private let scraped = Mutex<[String: Set<[String]>]>([:])

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

    /// The text of a scrape: the events counted so far, `snapshot` with `agentsConnected`, and
    /// each host's traffic (`traffic`).
    func render(_ snapshot: MetricsRepository.Snapshot, agentsConnected: Int, traffic: TrafficSeries? = nil, now: Date = Date()) -> [UInt8] {
        var gauges: [String: [([(String, String)], Double)]] = [:]
        for server in snapshot.servers {
            gauges["posternproxy_server_online", default: []].append(([("server", server.name)], server.status == "online" ? 1 : 0))
            gauges["posternproxy_server_status", default: []].append(([("server", server.name), ("status", server.status)], 1))
            gauges["posternproxy_server_revision_lag", default: []].append(
                ([("server", server.name)], Double(max(0, server.desiredRevision - server.appliedRevision))))
        }
        gauges["posternproxy_agents_connected"] = [([], Double(agentsConnected))]
        for (status, count) in snapshot.provisioningRuns {
            gauges["posternproxy_provisioning_runs", default: []].append(([("status", status)], Double(count)))
        }
        for certificate in snapshot.certificateExpiries {
            gauges["posternproxy_certificate_expiry_timestamp_seconds", default: []].append(
                ([("certificate", String(certificate.id)), ("name", certificate.name)], certificate.expires.timeIntervalSince1970))
        }
        setGauges(gauges)
        var text = registry.emitToBuffer()
        traffic?.write(to: &text)
        return text
    }

    private func setGauges(_ gauges: [String: [([(String, String)], Double)]]) {
        scraped.withLock { previous in
            var now: [String: Set<[String]>] = [:]
            for (name, series) in gauges {
                for (labels, value) in series {
                    registry.makeGauge(name: name, labels: labels).set(value)
                    now[name, default: []].insert(labels.flatMap { [$0.0, $0.1] })
                }
            }
            for (name, labelSets) in previous {
                for flat in labelSets.subtracting(now[name] ?? []) {
                    let labels = stride(from: 0, to: flat.count, by: 2).map { (flat[$0], flat[$0 + 1]) }
                    registry.unregisterGauge(registry.makeGauge(name: name, labels: labels))
                }
            }
            previous = now
        }
    }
}
