/// Reads a status report's `traffic` straight from its JSON text, without building a JSON tree:
/// a report of 10,000 hosts is 200,000 numbers, and a tree of them costs the controller more
/// than everything else it does with the report.
///
/// The shape: `{"hosts": [[name, 1xx, 2xx, 3xx, 4xx, 5xx, bytes_in, bytes_out, latency × 12],
/// …], "unattributed": n}`. A host entry with a counter that is not a whole number from 0 to
/// 2^53, the wrong number of members or a name that is not a host name is refused (counted);
/// text that is not that shape at all is a ``ProtocolViolation``.
struct TrafficReportScanner {
    private let bytes: [UInt8]
    private var index = 0

    static let countersPerHost = AgentMessage.HostTraffic.statusClasses + 2 + AgentMessage.HostTraffic.latencyBounds.count + 1

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The report; with `keepingHosts` false, only checked: its well-formed hosts are not kept
    /// (the result's ``AgentMessage/TrafficReport/refused`` counts the others all the same).
    mutating func report(keepingHosts: Bool = true) throws(ProtocolViolation) -> AgentMessage.TrafficReport {
        var hosts: [AgentMessage.HostTraffic] = []
        var checked = 0
        var refused = 0
        var unattributed: Int64?
        try expect(UInt8(ascii: "{"))
        var first = true
        while true {
            skipSpace()
            if consume(UInt8(ascii: "}")) { break }
            if !first { try expect(UInt8(ascii: ",")) }
            first = false
            let key = try string()
            try expect(UInt8(ascii: ":"))
            switch key {
            case "hosts":
                try readHosts(into: &hosts, keeping: keepingHosts, checked: &checked, refused: &refused)
            case "unattributed":
                guard let value = try number() else { throw malformed("unattributed must be a non-negative integer") }
                unattributed = value
            default:
                throw malformed("has an unknown member \(key.prefix(64))")
            }
        }
        skipSpace()
        guard index == bytes.count else { throw malformed("has text after its end") }
        guard let unattributed else { throw malformed("unattributed is missing") }
        return AgentMessage.TrafficReport(hosts: hosts, unattributed: unattributed, refused: refused)
    }

    private mutating func readHosts(
        into hosts: inout [AgentMessage.HostTraffic], keeping: Bool, checked: inout Int, refused: inout Int
    ) throws(ProtocolViolation) {
        try expect(UInt8(ascii: "["))
        var first = true
        var counters: [Int64] = []
        counters.reserveCapacity(Self.countersPerHost)
        while true {
            skipSpace()
            if consume(UInt8(ascii: "]")) { return }
            if !first { try expect(UInt8(ascii: ",")) }
            first = false
            try expect(UInt8(ascii: "["))
            let name = try string()
            var valid = HostName.isValid(name)
            counters.removeAll(keepingCapacity: true)
            while true {
                skipSpace()
                if consume(UInt8(ascii: "]")) { break }
                try expect(UInt8(ascii: ","))
                if let value = try number() { counters.append(value) } else { valid = false }
            }
            guard valid, counters.count == Self.countersPerHost, checked < AgentMessage.TrafficReport.maximumHosts else {
                refused += 1
                continue
            }
            checked += 1
            guard keeping else { continue }
            let classes = AgentMessage.HostTraffic.statusClasses
            hosts.append(
                AgentMessage.HostTraffic(
                    host: name, requests: Array(counters[0..<classes]), bytesIn: counters[classes], bytesOut: counters[classes + 1],
                    latency: Array(counters[(classes + 2)...])))
        }
    }

    /// A JSON number; nil when it is not a whole number from 0 to 2^53 (it is read all the same).
    private mutating func number() throws(ProtocolViolation) -> Int64? {
        skipSpace()
        let start = index
        var whole = true
        var value: Int64 = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
            whole = false
            index += 1
        }
        let digitsStart = index
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            if value < 1 << 53 { value = value * 10 + Int64(bytes[index] - UInt8(ascii: "0")) }
            index += 1
        }
        guard index > digitsStart else { throw malformed("holds a value that is not a number at byte \(start)") }
        // A fraction or an exponent: read, and not a whole number.
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                whole = false
                index += 1
            default:
                return whole && value < 1 << 53 ? value : nil
            }
        }
        return whole && value < 1 << 53 ? value : nil
    }

    /// A JSON string without escapes (host names and member names have none).
    private mutating func string() throws(ProtocolViolation) -> String {
        skipSpace()
        try expect(UInt8(ascii: "\""))
        let start = index
        while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
            guard bytes[index] != UInt8(ascii: "\\"), bytes[index] >= 0x20 else {
                throw malformed("holds a string with escapes or control characters")
            }
            index += 1
            guard index - start <= 1024 else { throw malformed("holds a string over 1024 bytes") }
        }
        guard index < bytes.count else { throw malformed("holds an unterminated string") }
        defer { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func expect(_ byte: UInt8) throws(ProtocolViolation) {
        skipSpace()
        guard consume(byte) else { throw malformed("expected `\(Character(Unicode.Scalar(byte)))` at byte \(index)") }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func skipSpace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 { index += 1 }
    }

    private func malformed(_ problem: String) -> ProtocolViolation {
        ProtocolViolation("status.traffic \(problem)")
    }
}
