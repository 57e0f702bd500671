import Synchronization

/// Each host's traffic since the controller started, as `/metrics` serves it:
/// `posternproxy_host_requests_total{server, host, status}` (status `1xx`…`5xx`),
/// `posternproxy_host_received_bytes_total{server, host}` and
/// `posternproxy_host_sent_bytes_total{server, host}`, counters in the Prometheus text format.
///
/// Kept here, one entry per server and host, and written at each scrape, rather than as
/// swift-metrics counters: the Prometheus registry copies a metric's whole family to add one
/// label set, so the first report of 10,000 hosts (70,000 series) kept the controller busy for
/// minutes.
final class TrafficSeries: Sendable {
    private struct Key: Hashable, Comparable {
        var server: String
        var host: String

        static func < (left: Key, right: Key) -> Bool { (left.server, left.host) < (right.server, right.host) }
    }

    private let totals = Mutex<[Key: TrafficCounters]>([:])

    /// Adds what `host` served on `server` to its counters.
    func add(_ traffic: TrafficCounters, server: String, host: String) {
        totals.withLock { totals in
            totals[Key(server: server, host: host), default: TrafficCounters()].add(traffic)
        }
    }

    /// Appends the three families, series in server and host order.
    func write(to text: inout PrometheusText) {
        let entries = totals.withLock { $0.sorted { $0.key < $1.key } }
        guard !entries.isEmpty else { return }
        text.family("posternproxy_host_requests_total", .counter)
        for (key, entry) in entries {
            for (index, count) in entry.requests.enumerated() {
                text.sample("posternproxy_host_requests_total", ["server": key.server, "host": key.host, "status": "\(index + 1)xx"], count)
            }
        }
        text.family("posternproxy_host_received_bytes_total", .counter)
        for (key, entry) in entries {
            text.sample("posternproxy_host_received_bytes_total", ["server": key.server, "host": key.host], entry.bytesIn)
        }
        text.family("posternproxy_host_sent_bytes_total", .counter)
        for (key, entry) in entries { text.sample("posternproxy_host_sent_bytes_total", ["server": key.server, "host": key.host], entry.bytesOut) }
    }
}
