import JSONCore
import PluginAPI
import PluginKit
import Synchronization

/// The traffic each Caddy served since it was last asked, by admin socket: each reading of
/// Caddy's running totals (``CaddyMetricsReading``) is compared with the one before, and the
/// change is kept until ``take(admin:)`` hands it out.
///
/// Caddy starts counting from zero whenever it loads a config, so apply reads the totals just
/// before every `/load` (``read(admin:)``) and what was served until then is kept; a reading
/// whose reload time changed, or one in which a host's counter went down, counts from zero.
/// Kept in this process's memory: a restarted agent starts from Caddy's totals at that moment.
enum TrafficMeter {
    private struct Meter {
        var previous = TrafficTotals()
        var reloadedAt: Double?
        /// What changed since the last report, hosts with traffic only.
        var pending = TrafficTotals()
        var unattributed: Int64 = 0
        var previousUnattributed: Int64 = 0
    }

    private static let meters = Mutex<[String: Meter]>([:])

    /// Reads Caddy's totals and adds what changed to what will be handed out. Returns the
    /// number of lines of Caddy's text that did not parse, or nil when Caddy could not be read.
    @discardableResult
    static func read(admin: CaddyAdmin) -> Int? {
        var reading = CaddyMetricsReading()
        let answer = admin.host.stream(socket: admin.socket, path: "/metrics") { piece in
            reading.feed(piece)
            return true
        }
        guard answer.status == PP_OK, answer.httpStatus == 200 else { return nil }
        reading.finish()
        meters.withLock { meters in
            var meter = meters[admin.socket] ?? Meter()
            let restarted = meter.reloadedAt != reading.reloadedAt
            var pending = meter.pending.hosts()
            for (host, totals) in reading.hosts {
                let earlier = restarted ? nil : meter.previous.traffic(of: host)
                let delta = earlier.flatMap { totals.subtracting($0) } ?? totals
                guard !delta.isEmpty else { continue }
                pending[host, default: HostTraffic()].add(delta)
            }
            meter.pending = TrafficTotals(pending)
            let unattributedEarlier = restarted || reading.unattributed < meter.previousUnattributed ? 0 : meter.previousUnattributed
            meter.unattributed += reading.unattributed - unattributedEarlier
            meter.previous = TrafficTotals(reading.hosts)
            meter.previousUnattributed = reading.unattributed
            meter.reloadedAt = reading.reloadedAt
            meters[admin.socket] = meter
        }
        return reading.malformedLines
    }

    /// Reads Caddy's totals and hands out everything served since the last call, as JSON text
    /// written straight from the counters: `{"hosts": [[host, 1xx, 2xx, 3xx, 4xx, 5xx, bytes_in,
    /// bytes_out, latency × 12]], "unattributed"}`, hosts with traffic only, in name order.
    /// Nil when Caddy could not be read (what was served stays for the next call).
    static func take(admin: CaddyAdmin) -> [UInt8]? {
        let malformed = read(admin: admin)
        guard let malformed else { return nil }
        if malformed > 0 { admin.host.log(PP_LOG_WARNING, "\(malformed) lines of Caddy's metrics did not parse and were skipped") }
        return meters.withLock { meters -> [UInt8] in
            var meter = meters[admin.socket] ?? Meter()
            var report = Array(#"{"hosts":["#.utf8)
            var first = true
            meter.pending.forEach { host, traffic in
                if !first { report.append(UInt8(ascii: ",")) }
                first = false
                traffic.write(host: String(decoding: host, as: UTF8.self), to: &report)
            }
            report += #"],"unattributed":\#(meter.unattributed)}"#.utf8
            meter.pending = TrafficTotals()
            meter.unattributed = 0
            meters[admin.socket] = meter
            return report
        }
    }
}
