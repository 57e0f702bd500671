import JSONCore

extension AgentMessage {
    /// What each host on a server served since the server's previous report: only hosts with
    /// traffic, named as Caddy counted them (the request's host, when it is one of the served
    /// names).
    public struct TrafficReport: Sendable, Equatable {
        public var hosts: [HostTraffic]
        /// Requests whose host was none of the served names (sent with a port, or a wildcard's).
        public var unattributed: Int64
        /// Entries that were malformed (a negative counter, lists of the wrong length, a name
        /// that is not a host name) and were left out when the report was read.
        public var refused: Int

        public init(hosts: [HostTraffic], unattributed: Int64, refused: Int = 0) {
            self.hosts = hosts
            self.unattributed = unattributed
            self.refused = refused
        }

        /// At most this many hosts are read from one report; the rest are refused.
        public static let maximumHosts = 20_000
    }

    /// One host's traffic over a report's interval.
    public struct HostTraffic: Sendable, Equatable {
        public var host: String
        /// Requests answered 1xx, 2xx, 3xx, 4xx, 5xx.
        public var requests: [Int64]
        public var bytesIn: Int64
        public var bytesOut: Int64
        /// Requests per latency bucket, not cumulative: at most 5 ms, 10, 25, 50, 100, 250, 500
        /// ms, 1 s, 2.5, 5, 10 s, and longer (``latencyBounds``).
        public var latency: [Int64]

        public init(host: String, requests: [Int64], bytesIn: Int64, bytesOut: Int64, latency: [Int64]) {
            self.host = host
            self.requests = requests
            self.bytesIn = bytesIn
            self.bytesOut = bytesOut
            self.latency = latency
        }

        /// The upper bounds of the latency buckets, in seconds; the last bucket has none.
        public static let latencyBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
        public static let statusClasses = 5

        public var total: Int64 { requests.reduce(0, +) }
    }
}

extension AgentMessage.TrafficReport {
    var json: JSON {
        .object([("hosts", .array(hosts.map(\.json))), ("unattributed", .int(Int(unattributed)))])
    }

    /// A status report's `traffic`. Malformed host entries are counted in ``refused`` and left
    /// out, so one bad counter does not cost the rest of the report.
    init(_ value: JSON) throws(ProtocolViolation) {
        guard let object = try? JSONObject(value) else { throw ProtocolViolation("status.traffic must be an object") }
        let fields = MessageFields(object: object, type: "status.traffic")
        let entries = try fields.list("hosts")
        var hosts: [AgentMessage.HostTraffic] = []
        hosts.reserveCapacity(min(entries.count, Self.maximumHosts))
        var refused = max(0, entries.count - Self.maximumHosts)
        for entry in entries.prefix(Self.maximumHosts) {
            if let host = AgentMessage.HostTraffic(entry) { hosts.append(host) } else { refused += 1 }
        }
        self.init(hosts: hosts, unattributed: try fields.integer("unattributed"), refused: refused)
    }
}

extension AgentMessage.HostTraffic {
    var json: JSON {
        .object([
            ("host", .string(host)), ("requests", .array(requests.map { .int(Int($0)) })), ("bytes_in", .int(Int(bytesIn))),
            ("bytes_out", .int(Int(bytesOut))), ("latency", .array(latency.map { .int(Int($0)) })),
        ])
    }

    /// One entry, or nil when any part of it is malformed.
    init?(_ entry: JSON) {
        func counters(_ value: JSON?, count: Int) -> [Int64]? {
            guard case .array(let items)? = value, items.count == count else { return nil }
            let numbers = items.compactMap { item -> Int64? in
                guard case .int(let number) = item, number >= 0, number < 1 << 53 else { return nil }
                return Int64(number)
            }
            return numbers.count == count ? numbers : nil
        }
        guard case .string(let host)? = entry["host"], HostName.isValid(host),
            let requests = counters(entry["requests"], count: Self.statusClasses),
            let latency = counters(entry["latency"], count: Self.latencyBounds.count + 1),
            let bytes = counters(.array([entry["bytes_in"] ?? .null, entry["bytes_out"] ?? .null]), count: 2)
        else { return nil }
        self.init(host: host, requests: requests, bytesIn: bytes[0], bytesOut: bytes[1], latency: latency)
    }
}

/// Host names as Caddy counts them: letters, digits, `-`, `.`, `_`, at most 253 bytes, with an
/// optional `:port`.
enum HostName {
    static func isValid(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 260 else { return false }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let name = parts.first, !name.isEmpty, name.utf8.count <= 253,
            name.utf8.allSatisfy({ byte in
                (0x61...0x7A).contains(byte) || (0x41...0x5A).contains(byte) || (0x30...0x39).contains(byte) || byte == 0x2D || byte == 0x2E
                    || byte == 0x5F
            })
        else { return false }
        if parts.count == 2 { return UInt16(parts[1]) != nil }
        return true
    }
}
