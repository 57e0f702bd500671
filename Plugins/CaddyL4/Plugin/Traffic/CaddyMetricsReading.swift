/// Caddy's per-host HTTP totals, read from its Prometheus text (`GET /metrics` on the admin
/// socket) one line at a time as the text arrives, so 10,000 hosts' worth (tens of megabytes)
/// is never held whole.
///
/// Caddy labels its HTTP metrics with the request's host when it is one of the names in the
/// config's host matchers (exactly as the client sent it, so with a port when the client added
/// one), and `_other` otherwise; each request is counted once, by the outermost handler. Read
/// from each series: `caddy_http_request_duration_seconds_count` (requests, by the `code`
/// label's class), `..._bucket` (latency, from the cumulative `le` buckets),
/// `caddy_http_request_size_bytes_sum` and `caddy_http_response_size_bytes_sum` (bytes in and
/// out), summed over the other labels; and `caddy_config_last_reload_success_timestamp_seconds`
/// (Caddy starts counting from zero on every config load). Lines that are not one of these, or
/// that do not parse, are skipped and counted.
///
/// The hosts of the previous reading (``known``) are counted in place, in one array in their
/// order, and only hosts new since then in a dictionary: a reading of 10,000 hosts makes no
/// string or small block per host.
struct CaddyMetricsReading {
    /// Requests Caddy could not put to one of the config's names (`_other`).
    private(set) var unattributed: Int64 = 0
    private(set) var reloadedAt: Double?
    private(set) var malformedLines = 0

    /// Hosts beyond this many are left out (a Caddy that labels arbitrary names would otherwise
    /// grow this without bound).
    static let maximumHosts = 100_000

    private let known: TrafficTotals
    /// The totals of ``known``'s hosts, by slot; their latency cumulative until ``finish()``.
    private var knownTotals: [HostTraffic]
    private var knownSeen: [Bool]
    /// The totals of hosts ``known`` does not hold.
    private var newTotals: [String: HostTraffic] = [:]
    private var hostCount = 0
    private var line: [UInt8] = []

    /// A reading whose hosts are mostly `known`'s (the previous reading's).
    init(known: TrafficTotals = TrafficTotals()) {
        self.known = known
        knownTotals = Array(repeating: HostTraffic(), count: known.count)
        knownSeen = Array(repeating: false, count: known.count)
    }

    /// Reads the next piece of the text.
    mutating func feed(_ piece: UnsafeBufferPointer<UInt8>) {
        var start = 0
        for index in 0..<piece.count where piece[index] == 0x0A {
            if line.isEmpty {
                read(Array(piece[start..<index])[...])
            } else {
                line += piece[start..<index]
                read(line[...])
                line.removeAll(keepingCapacity: true)
            }
            start = index + 1
        }
        if start < piece.count {
            line += piece[start..<piece.count]
            if line.count > 64 << 10 {
                malformedLines += 1
                line.removeAll()
            }
        }
    }

    /// Ends the text: the last line, and the latency buckets made per-bucket.
    mutating func finish() {
        if !line.isEmpty { read(line[...]) }
        line.removeAll()
        for slot in knownTotals.indices where knownSeen[slot] { Self.separateBuckets(&knownTotals[slot]) }
        for host in newTotals.keys { Self.separateBuckets(&newTotals[host]!) }
    }

    /// Calls `body` with each host's name, totals and slot in ``known`` (nil for a new host), in
    /// name order.
    func forEachHost(_ body: (ArraySlice<UInt8>, HostTraffic, Int?) -> Void) {
        let added = newTotals.map { (name: Array($0.key.utf8)[...], traffic: $0.value) }.sorted { $0.name.lexicographicallyPrecedes($1.name) }
        var next = 0
        for slot in knownTotals.indices where knownSeen[slot] {
            let name = known.name(at: slot)
            while next < added.count, added[next].name.lexicographicallyPrecedes(name) {
                body(added[next].name, added[next].traffic, nil)
                next += 1
            }
            body(name, knownTotals[slot], slot)
        }
        for host in added[next...] { body(host.name, host.traffic, nil) }
    }

    /// Caddy's buckets count every request at most their bound (cumulative); the report counts
    /// each request in one bucket. A bucket missing from the text holds what the one below it holds.
    private static func separateBuckets(_ traffic: inout HostTraffic) {
        var buckets = traffic.latency
        for index in buckets.indices.dropFirst() { buckets[index] = max(buckets[index], buckets[index - 1]) }
        for index in buckets.indices { traffic.latency[index] = buckets[index] - (index == 0 ? 0 : buckets[index - 1]) }
    }

    private mutating func read(_ line: ArraySlice<UInt8>) {
        guard let first = line.first, first != UInt8(ascii: "#") else { return }
        guard line.starts(with: "caddy_".utf8) else { return }
        guard let sample = Sample(line) else {
            malformedLines += 1
            return
        }
        switch sample.name {
        case "caddy_config_last_reload_success_timestamp_seconds":
            reloadedAt = sample.value
        case "caddy_http_request_duration_seconds_count":
            guard let code = sample.labels["code"].flatMap({ Int($0) }), let host = sample.labels["host"] else { return malformed() }
            guard (100...599).contains(code), let count = Self.count(sample.value) else { return malformed() }
            if host == "_other" {
                unattributed += count
            } else {
                update(host) { $0.requests[code / 100 - 1] += count }
            }
        case "caddy_http_request_duration_seconds_bucket":
            guard let host = sample.labels["host"], host != "_other", Self.isHostName(host), let bound = sample.labels["le"],
                let count = Self.count(sample.value)
            else { return malformed() }
            let index = bound == "+Inf" ? HostTraffic.latencyBounds.count : HostTraffic.latencyBounds.firstIndex(of: Double(bound) ?? -1)
            guard let index else { return }
            update(host) { $0.latency[index] += count }
        case "caddy_http_request_size_bytes_sum", "caddy_http_response_size_bytes_sum":
            guard let host = sample.labels["host"], let bytes = Self.count(sample.value) else { return malformed() }
            guard host != "_other" else { return }
            let incoming = sample.name == "caddy_http_request_size_bytes_sum"
            update(host) { traffic in if incoming { traffic.bytesIn += bytes } else { traffic.bytesOut += bytes } }
        default:
            return
        }
    }

    private mutating func malformed() { malformedLines += 1 }

    private mutating func update(_ host: String, _ change: (inout HostTraffic) -> Void) {
        if let slot = known.slot(of: host) {
            if !knownSeen[slot] {
                guard hostCount < Self.maximumHosts else { return }
                knownSeen[slot] = true
                hostCount += 1
            }
            return change(&knownTotals[slot])
        }
        if newTotals[host] == nil {
            guard hostCount < Self.maximumHosts else { return }
            guard Self.isHostName(host) else { return malformed() }
            hostCount += 1
        }
        change(&newTotals[host, default: HostTraffic()])
    }

    /// Whether a `host` label is a name a host can have (letters, digits, `-`, `.`, `_`, and a
    /// `:port`), so that no other text travels on as a name.
    static func isHostName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 260
            && text.utf8.allSatisfy { byte in
                (0x61...0x7A).contains(byte) || (0x41...0x5A).contains(byte) || (0x30...0x3A).contains(byte) || byte == 0x2D || byte == 0x2E
                    || byte == 0x5F
            }
    }

    /// A counter's value as a whole number: finite, not negative, below 2^53.
    private static func count(_ value: Double) -> Int64? {
        guard value.isFinite, value >= 0, value < 9_007_199_254_740_992 else { return nil }
        return Int64(value.rounded())
    }
}

/// One sample line of the Prometheus text format: `name{label="value",...} value [timestamp]`.
/// Label values are unescaped (`\\`, `\"`, `\n`).
struct Sample {
    var name: String
    var labels: [String: String]
    var value: Double

    init?(_ line: ArraySlice<UInt8>) {
        var index = line.startIndex
        while index < line.endIndex, line[index] != UInt8(ascii: "{"), line[index] != UInt8(ascii: " ") { index += 1 }
        guard index > line.startIndex, index < line.endIndex else { return nil }
        name = String(decoding: line[line.startIndex..<index], as: UTF8.self)
        labels = [:]
        if line[index] == UInt8(ascii: "{") {
            index += 1
            while index < line.endIndex, line[index] != UInt8(ascii: "}") {
                guard let equals = line[index...].firstIndex(of: UInt8(ascii: "=")), equals + 1 < line.endIndex,
                    line[equals + 1] == UInt8(ascii: "\"")
                else { return nil }
                let key = String(decoding: line[index..<equals], as: UTF8.self)
                var value: [UInt8] = []
                var cursor = equals + 2
                var closed = false
                while cursor < line.endIndex {
                    let byte = line[cursor]
                    if byte == UInt8(ascii: "\\"), cursor + 1 < line.endIndex {
                        let next = line[cursor + 1]
                        value.append(next == UInt8(ascii: "n") ? 0x0A : next)
                        cursor += 2
                    } else if byte == UInt8(ascii: "\"") {
                        closed = true
                        cursor += 1
                        break
                    } else {
                        value.append(byte)
                        cursor += 1
                    }
                }
                guard closed, value.count <= 1024 else { return nil }
                labels[key] = String(decoding: value, as: UTF8.self)
                index = cursor
                if index < line.endIndex, line[index] == UInt8(ascii: ",") { index += 1 }
            }
            guard index < line.endIndex else { return nil }
            index += 1
        }
        let rest = line[index...].split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
        guard let first = rest.first, rest.count <= 2 else { return nil }
        let text = String(decoding: first, as: UTF8.self)
        switch text {
        case "+Inf": value = .infinity
        case "-Inf": value = -.infinity
        case "NaN": value = .nan
        default:
            guard let number = Double(text) else { return nil }
            value = number
        }
    }
}
