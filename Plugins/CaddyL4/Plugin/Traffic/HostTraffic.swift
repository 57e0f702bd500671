import JSONCore

/// What one host served: requests by status class, bytes received and sent, and how long the
/// requests took, as counts per latency bucket. The counters are stored inline (no array of their own), so a
/// meter of 10,000 hosts is a few contiguous blocks, not 20,000 small ones.
struct HostTraffic {
    /// Requests answered 1xx, 2xx, 3xx, 4xx, 5xx.
    var requests = InlineArray<5, Int64>(repeating: 0)
    var bytesIn: Int64 = 0
    var bytesOut: Int64 = 0
    /// Requests per latency bucket (not cumulative): bucket `i` holds those that took at most
    /// ``latencyBounds``[i] seconds and more than the bound before it; the last, longer ones.
    var latency = Buckets(repeating: 0)

    typealias Buckets = InlineArray<12, Int64>

    /// The upper bounds of the latency buckets, in seconds (the Prometheus client's defaults,
    /// as reports carry them); the last bucket, `+Inf`, has none.
    static let latencyBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    var total: Int64 {
        var sum: Int64 = 0
        for index in requests.indices { sum += requests[index] }
        return sum
    }

    init() {}

    /// The counters in wire order, each the next value `next` gives (as ``forEachCounter(_:)``
    /// visits them).
    init(reading next: () -> Int64) {
        for position in requests.indices { requests[position] = next() }
        bytesIn = next()
        bytesOut = next()
        for position in latency.indices { latency[position] = next() }
    }

    /// Calls `body` with each counter in wire order (as reports carry them and
    /// ``TrafficTotals`` stores them): 1xx…5xx, bytes in, bytes out, latency × 12.
    func forEachCounter(_ body: (Int64) -> Void) {
        for index in requests.indices { body(requests[index]) }
        body(bytesIn)
        body(bytesOut)
        for index in latency.indices { body(latency[index]) }
    }

    mutating func add(_ other: HostTraffic) {
        for index in requests.indices { requests[index] += other.requests[index] }
        for index in latency.indices { latency[index] += other.latency[index] }
        bytesIn += other.bytesIn
        bytesOut += other.bytesOut
    }

    /// Appends `["host", 1xx, 2xx, 3xx, 4xx, 5xx, bytes_in, bytes_out, latency × 12]`: one
    /// compact list, as status reports carry it.
    func write(host: String, to text: inout [UInt8]) {
        text.append(UInt8(ascii: "["))
        text += JSON.string(host).serialized()
        forEachCounter { counter in
            text.append(UInt8(ascii: ","))
            text += String(counter).utf8
        }
        text.append(UInt8(ascii: "]"))
    }
}
