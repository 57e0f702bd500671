// The fuzz target (Tests/Fuzz) compiles this file in one module with TrafficLog.swift.
#if canImport(CaddyL4Rendering)
    import CaddyL4Rendering
#endif
import JSONCore

/// What the lines of Caddy's traffic log (``TrafficLog``) count, host by host: each line is one
/// request, `{"logger", "request": {"host"}, "bytes_read", "duration", "size", "status"}`.
///
/// A request counts under the name the served names give its host (in lower case, without a
/// port): the host itself, or the wildcard name that covers it (``ServedNames/Matcher``); a
/// request for any other name, or read before any names are known, is unattributed. Each request
/// counts once: its status class, `bytes_read` as bytes in, `size` as bytes out, and its
/// duration's latency bucket. Lines that are not such a request (another logger, a status outside
/// 100–599, a negative size, a field of another type, broken JSON, a line over 64 KiB) are
/// skipped and counted.
struct TrafficLogReading {
    private(set) var hosts: [String: HostTraffic] = [:]
    /// Requests for none of the config's names.
    private(set) var unattributed: Int64 = 0
    private(set) var malformedLines = 0

    /// Names beyond this many are counted as unattributed (Caddy names only the config's, so
    /// this bounds only a log written by something else).
    static let maximumHosts = 100_000
    /// A longer line is no line Caddy writes for a request.
    static let maximumLineBytes = 64 << 10

    /// The name a request's host counts under (``ServedNames/Matcher/name(for:)``); nil: none.
    private let name: (String) -> String?

    init(name: @escaping (String) -> String?) {
        self.name = name
    }

    /// Reads each whole line of `bytes`, after `partial` (the unfinished line the previous
    /// bytes ended with); leaves the unfinished line these end with in `partial`.
    mutating func feed(_ bytes: [UInt8], partial: inout [UInt8]) {
        var start = 0
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
            if partial.isEmpty {
                read(bytes[start..<index])
            } else {
                partial += bytes[start..<index]
                read(partial[...])
                partial.removeAll(keepingCapacity: true)
            }
            start = index + 1
        }
        guard start < bytes.count else { return }
        if partial.count + (bytes.count - start) > Self.maximumLineBytes {
            // Longer than any request's line: only a mark is kept, and the line counted once it ends.
            partial = [UInt8(ascii: "?")]
        } else {
            partial += bytes[start...]
        }
    }

    private mutating func read(_ line: ArraySlice<UInt8>) {
        guard !line.isEmpty else { return }
        guard line.count <= Self.maximumLineBytes, line.first != UInt8(ascii: "?"), let request = Self.request(in: line) else {
            malformedLines += 1
            return
        }
        guard let host = request.host, let name = name(host) else {
            unattributed += 1
            return
        }
        if hosts[name] == nil, hosts.count >= Self.maximumHosts {
            unattributed += 1
            return
        }
        hosts[name, default: HostTraffic()].add(request.traffic)
    }

    private struct Request {
        /// In lower case, without a port; nil when it is no name a host can have (an address).
        var host: String?
        var traffic: HostTraffic
    }

    private static func request(in line: ArraySlice<UInt8>) -> Request? {
        guard case .object(let members)? = try? JSONParser.parse(Array(line)) else { return nil }
        var logger: String?
        var host: String?
        var status: Int?
        var bytesIn = 0
        var bytesOut = 0
        var duration: Double = 0
        for (key, value) in members {
            switch (key, value) {
            case ("logger", .string(let text)): logger = text
            case ("request", .object(let fields)):
                for case ("host", .string(let text)) in fields { host = text }
            case ("status", .int(let code)): status = code
            case ("bytes_read", .int(let count)): bytesIn = count
            case ("size", .int(let count)): bytesOut = count
            case ("duration", .double(let seconds)): duration = seconds
            case ("duration", .int(let seconds)): duration = Double(seconds)
            // Any of these of another type is no line Caddy writes.
            case ("logger", _), ("request", _), ("status", _), ("bytes_read", _), ("size", _), ("duration", _): return nil
            default: continue
            }
        }
        guard logger == TrafficLog.lineLogger, let status, (100...599).contains(status) else { return nil }
        guard bytesIn >= 0, bytesOut >= 0, duration >= 0, duration.isFinite else { return nil }
        var traffic = HostTraffic()
        traffic.requests[status / 100 - 1] = 1
        traffic.bytesIn = Int64(bytesIn)
        traffic.bytesOut = Int64(bytesOut)
        traffic.latency[HostTraffic.latencyBounds.firstIndex { duration <= $0 } ?? HostTraffic.latencyBounds.count] = 1
        return Request(host: host.flatMap(hostName), traffic: traffic)
    }

    /// The request's host in lower case and without its port (Caddy's host matchers ignore
    /// both), when it is a name a host can have.
    static func hostName(_ host: String) -> String? {
        var name = Substring(host)
        if let colon = name.lastIndex(of: ":"), name[name.index(after: colon)...].allSatisfy(\.isASCIIDigit) {
            name = name[..<colon]
        }
        return isHostName(name.utf8) ? name.lowercased() : nil
    }

    /// Whether `text` is a name a host can have (letters, digits, `-`, `.`, `_`), so that no
    /// other text travels on as a name.
    static func isHostName(_ text: some Collection<UInt8>) -> Bool {
        !text.isEmpty && text.count <= 253
            && text.allSatisfy { byte in
                (0x61...0x7A).contains(byte) || (0x41...0x5A).contains(byte) || (0x30...0x39).contains(byte) || byte == 0x2D || byte == 0x2E
                    || byte == 0x5F
            }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { asciiValue.map { (0x30...0x39).contains($0) } ?? false }
}
