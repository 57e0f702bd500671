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
        var previous: [String: HostTraffic] = [:]
        var reloadedAt: Double?
        var pending: [String: HostTraffic] = [:]
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
            for (host, totals) in reading.hosts {
                let earlier = restarted ? nil : meter.previous[host]
                let delta = earlier.flatMap { totals.subtracting($0) } ?? totals
                guard delta.total > 0 || delta.bytesIn > 0 || delta.bytesOut > 0 else { continue }
                meter.pending[host, default: HostTraffic()].add(delta)
            }
            let unattributedEarlier = restarted || reading.unattributed < meter.previousUnattributed ? 0 : meter.previousUnattributed
            meter.unattributed += reading.unattributed - unattributedEarlier
            meter.previous = reading.hosts
            meter.previousUnattributed = reading.unattributed
            meter.reloadedAt = reading.reloadedAt
            meters[admin.socket] = meter
        }
        return reading.malformedLines
    }

    /// Reads Caddy's totals and hands out everything served since the last call: `{"hosts":
    /// [[host, 1xx, 2xx, 3xx, 4xx, 5xx, bytes_in, bytes_out, latency × 12]], "unattributed"}`,
    /// hosts with traffic only. Nil when Caddy could not be read (what was served stays for the next call).
    static func take(admin: CaddyAdmin) -> JSON? {
        let malformed = read(admin: admin)
        guard let malformed else { return nil }
        if malformed > 0 { admin.host.log(PP_LOG_WARNING, "\(malformed) lines of Caddy's metrics did not parse and were skipped") }
        return meters.withLock { meters -> JSON in
            var meter = meters[admin.socket] ?? Meter()
            let hosts = meter.pending.sorted { $0.key < $1.key }.map { $0.value.json(host: $0.key) }
            let report = JSON.object([("hosts", .array(hosts)), ("unattributed", .int(Int(meter.unattributed)))])
            meter.pending = [:]
            meter.unattributed = 0
            meters[admin.socket] = meter
            return report
        }
    }
}
