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
    /// `{"hosts": [[name, 1xx, 2xx, 3xx, 4xx, 5xx, bytes_in, bytes_out, latency × 12], …],
    /// "unattributed"}`: one compact list per host (``TrafficReportScanner`` reads it back),
    /// written straight from the counters.
    var jsonText: [UInt8] {
        var text = Array(#"{"hosts":["#.utf8)
        for (index, host) in hosts.enumerated() {
            if index > 0 { text.append(UInt8(ascii: ",")) }
            text.append(UInt8(ascii: "["))
            text += JSON.string(host.host).serialized()
            for counter in host.requests + [host.bytesIn, host.bytesOut] + host.latency {
                text.append(UInt8(ascii: ","))
                text += String(counter).utf8
            }
            text.append(UInt8(ascii: "]"))
        }
        text += #"],"unattributed":\#(unattributed)}"#.utf8
        return text
    }

    /// A report's `traffic` from its JSON text. Malformed host entries are counted in
    /// ``refused`` and left out, so one bad counter does not cost the rest of the report.
    public init(json text: [UInt8]) throws(ProtocolViolation) {
        var scanner = TrafficReportScanner(text)
        self = try scanner.report()
    }

    /// A data plane step's report text as a status report may carry it on (``AgentMessage/
    /// StatusReport/trafficText``): the text itself when every host entry in it is well-formed,
    /// checked without decoding its hosts (a report of 10,000 hosts is sent on without 30,000
    /// small blocks in between); written again without the malformed entries when some are;
    /// nil when it is not a traffic report at all, which would cost the whole status report.
    public static func forwardable(_ text: [UInt8]) -> [UInt8]? {
        var scanner = TrafficReportScanner(text)
        guard let checked = try? scanner.report(keepingHosts: false) else { return nil }
        guard checked.refused > 0 else { return text }
        return (try? AgentMessage.TrafficReport(json: text))?.jsonText
    }
}

/// The names a traffic report counts by: host names (letters, digits, `-`, `.`, `_`, at most 253
/// bytes), or `*.` and one (a wildcard name, as a host claims it), with an optional `:port`.
enum HostName {
    static func isValid(_ text: String) -> Bool {
        var name = 0
        var port: Int?
        // A wildcard name, as a host claims it, counts the requests for every name it covers.
        let bytes = text.utf8.starts(with: "*.".utf8) ? text.utf8.dropFirst(2) : text.utf8[...]
        for byte in bytes {
            if let digits = port {
                guard (0x30...0x39).contains(byte), digits < 5 else { return false }
                port = digits + 1
                continue
            }
            switch byte {
            case 0x61...0x7A, 0x41...0x5A, 0x30...0x39, 0x2D, 0x2E, 0x5F: name += 1
            case 0x3A: port = 0
            default: return false
            }
        }
        return name > 0 && name <= 253 && port != 0
    }
}
