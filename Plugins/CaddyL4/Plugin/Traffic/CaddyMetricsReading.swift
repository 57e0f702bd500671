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

    /// Reads the next piece of the text. A line within the piece is read where it lies; only
    /// a line split between pieces is gathered first.
    mutating func feed(_ piece: UnsafeBufferPointer<UInt8>) {
        var start = 0
        for index in 0..<piece.count where piece[index] == 0x0A {
            if line.isEmpty {
                read(UnsafeBufferPointer(rebasing: piece[start..<index]))
            } else {
                line += piece[start..<index]
                readGathered()
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
        if !line.isEmpty { readGathered() }
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

    /// Reads the line gathered in ``line``, and empties it.
    private mutating func readGathered() {
        var gathered: [UInt8] = []
        swap(&gathered, &line)
        gathered.withUnsafeBufferPointer { read($0) }
        gathered.removeAll(keepingCapacity: true)
        swap(&gathered, &line)
    }

    private mutating func read(_ line: UnsafeBufferPointer<UInt8>) {
        guard let first = line.first, first != UInt8(ascii: "#") else { return }
        guard line.starts(with: "caddy_".utf8) else { return }
        guard let sample = Sample(line) else {
            malformedLines += 1
            return
        }
        let name = sample.name
        if name.elementsEqual("caddy_config_last_reload_success_timestamp_seconds".utf8) {
            reloadedAt = sample.value
        } else if name.elementsEqual("caddy_http_request_duration_seconds_count".utf8) {
            guard let code = sample.label("code").flatMap(Self.statusCode), let host = sample.label("host") else { return malformed() }
            guard let count = Self.count(sample.value) else { return malformed() }
            if host.elementsEqual("_other".utf8) {
                unattributed += count
            } else {
                update(host) { $0.requests[code / 100 - 1] += count }
            }
        } else if name.elementsEqual("caddy_http_request_duration_seconds_bucket".utf8) {
            guard let host = sample.label("host"), !host.elementsEqual("_other".utf8), Self.isHostName(host), let bound = sample.label("le"),
                let count = Self.count(sample.value)
            else { return malformed() }
            let index =
                bound.elementsEqual("+Inf".utf8)
                ? HostTraffic.latencyBounds.count : HostTraffic.latencyBounds.firstIndex(of: Sample.number(bound) ?? -1)
            guard let index else { return }
            update(host) { $0.latency[index] += count }
        } else if name.elementsEqual("caddy_http_request_size_bytes_sum".utf8) || name.elementsEqual("caddy_http_response_size_bytes_sum".utf8) {
            guard let host = sample.label("host"), let bytes = Self.count(sample.value) else { return malformed() }
            guard !host.elementsEqual("_other".utf8) else { return }
            let incoming = name.elementsEqual("caddy_http_request_size_bytes_sum".utf8)
            update(host) { traffic in if incoming { traffic.bytesIn += bytes } else { traffic.bytesOut += bytes } }
        }
    }

    /// A `code` label's value: an HTTP status, 100…599.
    private static func statusCode(_ text: Sample.Text) -> Int? {
        guard text.count == 3 else { return nil }
        var code = 0
        for byte in text {
            guard (0x30...0x39).contains(byte) else { return nil }
            code = code * 10 + Int(byte - 0x30)
        }
        return (100...599).contains(code) ? code : nil
    }

    private mutating func malformed() { malformedLines += 1 }

    private mutating func update(_ host: Sample.Text, _ change: (inout HostTraffic) -> Void) {
        if let slot = known.slot(of: host) {
            if !knownSeen[slot] {
                guard hostCount < Self.maximumHosts else { return }
                knownSeen[slot] = true
                hostCount += 1
            }
            return change(&knownTotals[slot])
        }
        let name = String(decoding: host, as: UTF8.self)
        if newTotals[name] == nil {
            guard hostCount < Self.maximumHosts else { return }
            guard Self.isHostName(host) else { return malformed() }
            hostCount += 1
        }
        change(&newTotals[name, default: HostTraffic()])
    }

    /// Whether a `host` label is a name a host can have (letters, digits, `-`, `.`, `_`, and a
    /// `:port`), so that no other text travels on as a name.
    static func isHostName(_ text: some Collection<UInt8>) -> Bool {
        !text.isEmpty && text.count <= 260
            && text.allSatisfy { byte in
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

/// One sample line of the Prometheus text format, `name{label="value",...} value [timestamp]`,
/// read where it lies: the name and the labels are views of the line (valid while it is), so a
/// reading of a million lines makes no string or dictionary per line. A label's value is kept
/// as written: an escape (`\\`, `\"`, `\n`) is never part of a host name, a status code or a
/// bucket bound, so a line whose value has one is refused or skipped, never counted.
struct Sample {
    typealias Text = Slice<UnsafeBufferPointer<UInt8>>

    let name: Text
    /// What is between the braces (empty without them), checked well-formed.
    private let labels: Text
    let value: Double

    init?(_ line: UnsafeBufferPointer<UInt8>) {
        var index = 0
        while index < line.count, line[index] != UInt8(ascii: "{"), line[index] != UInt8(ascii: " ") { index += 1 }
        guard index > 0, index < line.count else { return nil }
        name = line[0..<index]
        if line[index] == UInt8(ascii: "{") {
            index += 1
            let labelsStart = index
            while index < line.count, line[index] != UInt8(ascii: "}") {
                guard let (_, _, next) = Self.label(in: line, at: index) else { return nil }
                index = next
                if index < line.count, line[index] == UInt8(ascii: ",") { index += 1 }
            }
            guard index < line.count else { return nil }
            labels = line[labelsStart..<index]
            index += 1
        } else {
            labels = line[index..<index]
        }
        // The value, then at most a timestamp, separated by spaces.
        var fields: (Text?, Int) = (nil, 0)
        while index < line.count {
            while index < line.count, line[index] == UInt8(ascii: " ") { index += 1 }
            guard index < line.count else { break }
            let start = index
            while index < line.count, line[index] != UInt8(ascii: " ") { index += 1 }
            if fields.0 == nil { fields.0 = line[start..<index] }
            fields.1 += 1
        }
        guard let text = fields.0, fields.1 <= 2 else { return nil }
        if text.elementsEqual("+Inf".utf8) {
            value = .infinity
        } else if text.elementsEqual("-Inf".utf8) {
            value = -.infinity
        } else if text.elementsEqual("NaN".utf8) {
            value = .nan
        } else {
            guard let number = Self.number(text) else { return nil }
            value = number
        }
    }

    /// The value of the label `key`, nil when the line has none.
    func label(_ key: StaticString) -> Text? {
        let wanted = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        let line = labels.base
        var index = labels.startIndex
        while index < labels.endIndex {
            guard let (labelKey, value, next) = Self.label(in: line, at: index) else { return nil }
            if labelKey.elementsEqual(wanted) { return value }
            index = next
            if index < labels.endIndex, line[index] == UInt8(ascii: ",") { index += 1 }
        }
        return nil
    }

    /// A decimal number as Prometheus writes one.
    static func number(_ text: Text) -> Double? {
        guard text.count <= 64 else { return nil }
        return Double(String(decoding: text, as: UTF8.self))
    }

    /// The label `key="value"` starting at `start`: its key, its value as written, and where it
    /// ends. Nil when it is not well-formed or its value is over 1,024 bytes.
    private static func label(in line: UnsafeBufferPointer<UInt8>, at start: Int) -> (key: Text, value: Text, end: Int)? {
        var equals = start
        while equals < line.count, line[equals] != UInt8(ascii: "=") { equals += 1 }
        guard equals + 1 < line.count, line[equals + 1] == UInt8(ascii: "\"") else { return nil }
        let valueStart = equals + 2
        var cursor = valueStart
        while cursor < line.count, line[cursor] != UInt8(ascii: "\"") {
            cursor += line[cursor] == UInt8(ascii: "\\") ? 2 : 1
        }
        guard cursor < line.count, cursor - valueStart <= 1024 else { return nil }
        return (line[start..<equals], line[valueStart..<cursor], cursor + 1)
    }
}
