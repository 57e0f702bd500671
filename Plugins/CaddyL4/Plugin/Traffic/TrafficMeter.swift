import CaddyL4Rendering
import JSONCore
import PluginAPI
import PluginKit
import Synchronization

/// The traffic each Caddy served since it was last asked, by traffic log (``TrafficLog``): the
/// lines Caddy wrote since the last reading, followed through the host (`follow_file`, which
/// starts at the log's end the first time and reads a rolled log to its end before the new one),
/// are counted (``TrafficLogReading``) under the names the step loaded (``ServedNames``) and
/// kept until ``take(log:host:)`` hands them out, at most ``hostsPerReport`` hosts at a time (so
/// no report of 10,000 hosts is one block of megabytes in every buffer it passes through); while
/// hosts are left to hand out, the next take hands them out without reading again.
///
/// The log outlives config loads, so a load needs no reading before it and loses no request;
/// what a process counts starts when it first reads (a restarted agent starts from the log's end).
/// Reading is cheap (new lines only), so the data plane check reads every few seconds
/// (``read(log:host:)``) and a log rolled between reports is still read whole.
enum TrafficMeter {
    private struct Meter {
        /// What was served since the last report, hosts with traffic only, in name order.
        var pending = TrafficTotals()
        var unattributed: Int64 = 0
        /// Whether ``pending`` holds the rest of a reading partly handed out.
        var handingOut = false
    }

    /// The most hosts one report carries: some 120 KB of text.
    static let hostsPerReport = 1_000

    /// How much of the log one call of the host reads; a reading reads on until the log's end,
    /// at most ``maximumReadingBytes``.
    static let bytesPerCall = 8 << 20
    static let maximumReadingBytes = 512 << 20

    /// What was counted and not handed out yet, by log: held only to add or take.
    private static let meters = Mutex<[String: Meter]>([:])
    /// The unfinished last line read of each log: held for a whole reading, so readings of one
    /// log follow one another (a reading's lines continue the previous one's).
    private static let readers = Mutex<[String: [UInt8]]>([:])
    /// The logs this process follows.
    private static let followed = Mutex<Set<String>>([])

    /// Begins following the log, unless this process already does: before a config that writes
    /// it is loaded (by the plan that loads it), so that no request served after the load is
    /// missed. A log that exists already is followed from its end; one that does not, from its
    /// start once Caddy creates it. Waits for no reading under way.
    static func follow(log: String, host: HostProxy) {
        guard !(followed.withLock { $0.contains(log) }) else { return }
        read(log: log, host: host)
    }

    /// Counts what was added to the log since the last reading and adds it to what will be
    /// handed out. Returns the number of lines that did not parse, or nil when the log cannot
    /// be followed (it does not exist yet counts as read: nothing was served).
    @discardableResult
    static func read(log: String, host: HostProxy) -> Int? {
        followed.withLock { _ = $0.insert(log) }
        let reading = readers.withLock { readers -> TrafficLogReading? in
            var partial = readers[log] ?? []
            defer { readers[log] = partial }
            let names = ServedNames.matcher(log: log)
            var reading = TrafficLogReading { names?.name(for: $0) }
            var read = 0
            while read < maximumReadingBytes {
                guard case .success(let bytes) = host.followFile(log, upTo: bytesPerCall) else { return nil }
                guard let bytes, !bytes.isEmpty else { break }
                reading.feed(bytes, partial: &partial)
                read += bytes.count
                if bytes.count < bytesPerCall { break }
            }
            return reading
        }
        guard let reading else { return nil }
        var changes = TrafficTotals()
        for (name, traffic) in reading.hosts.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            changes.append(Array(name.utf8)[...], traffic)
        }
        meters.withLock { meters in
            var meter = meters[log] ?? Meter()
            meter.pending = meter.pending.count == 0 ? changes : meter.pending.adding(changes)
            meter.unattributed += reading.unattributed
            meters[log] = meter
        }
        return reading.malformedLines
    }

    /// Hands out what was served since the last call, as JSON text written straight from the
    /// counters: `{"hosts": [[host, 1xx, 2xx, 3xx, 4xx, 5xx, bytes_in, bytes_out, latency × 12]],
    /// "unattributed"}`, hosts with traffic only, in name order, at most ``hostsPerReport`` of
    /// them; `more` when others are left, which the next call hands out before the log is read
    /// again. Nil when the log cannot be followed (what was counted stays for the next call).
    static func take(log: String, host: HostProxy) -> (report: [UInt8], more: Bool)? {
        if !(meters.withLock { $0[log]?.handingOut ?? false }) {
            guard let malformed = read(log: log, host: host) else { return nil }
            if malformed > 0 { host.log(PP_LOG_WARNING, "\(malformed) lines of Caddy's traffic log did not parse and were skipped") }
        }
        return meters.withLock { meters in
            var meter = meters[log] ?? Meter()
            let handed = min(meter.pending.count, hostsPerReport)
            var report = Array(#"{"hosts":["#.utf8)
            for slot in 0..<handed {
                if slot > 0 { report.append(UInt8(ascii: ",")) }
                meter.pending.traffic(at: slot).write(host: String(decoding: meter.pending.name(at: slot), as: UTF8.self), to: &report)
            }
            report += #"],"unattributed":\#(meter.unattributed)}"#.utf8
            meter.pending = meter.pending.droppingFirst(handed)
            meter.unattributed = 0
            meter.handingOut = meter.pending.count > 0
            meters[log] = meter
            return (report, meter.handingOut)
        }
    }
}
