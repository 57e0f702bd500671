import JSONCore

/// What one host served: requests by status class, bytes received and sent, and how long the
/// requests took, as counts per latency bucket. Either Caddy's running totals or the change
/// between two readings of them.
struct HostTraffic: Equatable {
    /// Requests answered 1xx, 2xx, 3xx, 4xx, 5xx.
    var requests = [Int64](repeating: 0, count: 5)
    var bytesIn: Int64 = 0
    var bytesOut: Int64 = 0
    /// Requests per latency bucket (not cumulative): bucket `i` holds those that took at most
    /// ``latencyBounds``[i] seconds and more than the bound before it; the last, longer ones.
    var latency = [Int64](repeating: 0, count: HostTraffic.latencyBounds.count + 1)

    /// The upper bounds of Caddy's request-duration histogram buckets, in seconds (the
    /// Prometheus client's defaults); the last bucket, `+Inf`, has none.
    static let latencyBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    var total: Int64 { requests.reduce(0, +) }

    /// `self` minus an earlier reading; nil when a counter went down (Caddy started counting
    /// again), so the whole reading is new.
    func subtracting(_ earlier: HostTraffic) -> HostTraffic? {
        var delta = HostTraffic()
        for index in requests.indices { delta.requests[index] = requests[index] - earlier.requests[index] }
        for index in latency.indices { delta.latency[index] = latency[index] - earlier.latency[index] }
        delta.bytesIn = bytesIn - earlier.bytesIn
        delta.bytesOut = bytesOut - earlier.bytesOut
        let counters = delta.requests + delta.latency + [delta.bytesIn, delta.bytesOut]
        return counters.allSatisfy { $0 >= 0 } ? delta : nil
    }

    mutating func add(_ other: HostTraffic) {
        for index in requests.indices { requests[index] += other.requests[index] }
        for index in latency.indices { latency[index] += other.latency[index] }
        bytesIn += other.bytesIn
        bytesOut += other.bytesOut
    }

    /// `[host, 1xx, 2xx, 3xx, 4xx, 5xx, bytes_in, bytes_out, latency × 12]`: one compact list,
    /// as status reports carry it.
    func json(host: String) -> JSON {
        .array([.string(host)] + (requests + [bytesIn, bytesOut] + latency).map { .int(Int($0)) })
    }
}
