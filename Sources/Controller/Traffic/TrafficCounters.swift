import Host

/// What was served over some time: requests by status class, bytes in and out, and requests per
/// latency bucket (``AgentMessage/HostTraffic/latencyBounds``). Counters add up, so a minute's,
/// an hour's and a server's totals are sums of reports.
struct TrafficCounters: Sendable, Equatable {
    /// Requests answered 1xx, 2xx, 3xx, 4xx, 5xx.
    var requests = [Int64](repeating: 0, count: AgentMessage.HostTraffic.statusClasses)
    var bytesIn: Int64 = 0
    var bytesOut: Int64 = 0
    var latency = [Int64](repeating: 0, count: AgentMessage.HostTraffic.latencyBounds.count + 1)

    init() {}

    init(_ host: AgentMessage.HostTraffic) {
        requests = host.requests
        bytesIn = host.bytesIn
        bytesOut = host.bytesOut
        latency = host.latency
    }

    /// From ``values`` (the store's column order); nil when the count is wrong.
    init?(values: [Int64]) {
        let classes = requests.count
        guard values.count == classes + 2 + latency.count else { return nil }
        requests = Array(values[0..<classes])
        bytesIn = values[classes]
        bytesOut = values[classes + 1]
        latency = Array(values[(classes + 2)...])
    }

    /// Requests by class, bytes in, bytes out, then the latency buckets.
    var values: [Int64] { requests + [bytesIn, bytesOut] + latency }

    var total: Int64 { requests.reduce(0, +) }
    var clientErrors: Int64 { requests[3] }
    var serverErrors: Int64 { requests[4] }

    mutating func add(_ other: TrafficCounters) {
        for index in requests.indices { requests[index] += other.requests[index] }
        for index in latency.indices { latency[index] += other.latency[index] }
        bytesIn += other.bytesIn
        bytesOut += other.bytesOut
    }

    /// The latency below which a fraction `q` of the requests finished, in milliseconds,
    /// interpolated linearly inside its bucket (as Prometheus' `histogram_quantile` does); the
    /// last bucket's requests count as at its lower bound. Nil without requests.
    func latencyQuantile(_ q: Double) -> Double? {
        let count = latency.reduce(0, +)
        guard count > 0 else { return nil }
        let bounds = AgentMessage.HostTraffic.latencyBounds
        let rank = q * Double(count)
        var seen: Int64 = 0
        for (index, inBucket) in latency.enumerated() {
            guard Double(seen + inBucket) >= rank, inBucket > 0 else {
                seen += inBucket
                continue
            }
            guard index < bounds.count else { return bounds[bounds.count - 1] * 1000 }
            let lower = index == 0 ? 0 : bounds[index - 1]
            let fraction = (rank - Double(seen)) / Double(inBucket)
            return (lower + (bounds[index] - lower) * fraction) * 1000
        }
        return bounds[bounds.count - 1] * 1000
    }
}
