import JSONCore
import PluginAPI
import PluginKit
import Synchronization

/// The traffic each Caddy served since it was last asked, by admin socket: each reading of
/// Caddy's running totals (``CaddyMetricsReading``) is compared with the one before, and the
/// change is kept until ``take(admin:)`` hands it out, at most ``hostsPerReport`` hosts at a
/// time (so no report of 10,000 hosts is one block of megabytes in every buffer it passes
/// through); while hosts of a reading are left to hand out, the next take hands them out
/// without reading Caddy again.
///
/// Caddy starts counting from zero whenever it loads a config, so apply reads the totals at
/// every `/load` (``read(admin:asked:loading:)``) and what was served until then is kept; a
/// reading after a load, one whose reload time changed, or one in which a host's counter went
/// down, counts from zero. The plan asks for that reading as it starts (``ask(admin:)``), so
/// Caddy gathers while the plan renders; what is served between Caddy's gathering and the new
/// config taking over is not counted (the longer part of that is Caddy's own load).
///
/// Readings may overlap (a health report's while a step asked ahead, two reports at once).
/// Each counts only if no other reading was counted since it began: a later one holds newer
/// totals, and counting an older reading after it would take the difference as a restart and
/// count everything again. Nothing waits for another reading, so a reading asked by a plan
/// whose apply never comes (a dry run) holds nothing back.
///
/// Kept in this process's memory: a restarted agent starts from Caddy's totals at that moment.
enum TrafficMeter {
    private struct Meter {
        var previous = TrafficTotals()
        /// How many readings were counted: a reading that finds it moved since it began is
        /// older than ``previous`` or overlapped it, and is let go.
        var readings = 0
        var reloadedAt: Double?
        /// What changed since the last report, hosts with traffic only.
        var pending = TrafficTotals()
        var unattributed: Int64 = 0
        var previousUnattributed: Int64 = 0
        /// Whether ``pending`` holds the rest of a reading partly handed out.
        var handingOut = false
        /// A config was loaded since the last reading: the next one reads counters that
        /// started from zero.
        var countsFromZero = false
        /// Moves on when a reading at a load starts and when it ends: a reading that sees it
        /// move straddled a load, may hold either config's counters, and is let go (the reading
        /// at the load counted up to it, and the next reading counts what followed).
        var loads = 0
    }

    /// What a reading starts from.
    fileprivate struct Start {
        var known: TrafficTotals
        var readings: Int
        var loads: Int
    }

    /// A reading asked of Caddy (``ask(admin:)``) and not read yet: the host's number for the
    /// request, and what the reading counts from.
    struct AskedReading {
        fileprivate var request: UInt64
        fileprivate var start: Start
    }

    /// Caddy's last reading listed at most this many hosts for ``ask(admin:)`` to ask ahead: its
    /// gathering then takes a few milliseconds at most (some 28 µs per host that served traffic
    /// since the last load), cheap to have asked for a plan that loads nothing. Beyond it, the
    /// gathering (30–55 ms at 1,000 busy hosts) is asked for only when a load follows.
    static let hostsAskedAhead = 100

    /// The most hosts one report carries: some 120 KB of text.
    static let hostsPerReport = 1_000

    /// Caddy's metrics, only the families ``CaddyMetricsReading`` reads (`name[]`, which Caddy
    /// 2.11 honours; an older Caddy answers all of them, and the reading skips the others): a
    /// third less text for Caddy to write and this process to read.
    static let metricsPath =
        "/metrics?"
        + [
            "caddy_http_request_duration_seconds", "caddy_http_request_size_bytes", "caddy_http_response_size_bytes",
            "caddy_config_last_reload_success_timestamp_seconds",
        ].map { "name%5B%5D=" + $0 }.joined(separator: "&")

    private static let meters = Mutex<[String: Meter]>([:])

    /// Reads Caddy's totals and adds what changed to what will be handed out. Returns the
    /// number of lines of Caddy's text that did not parse, or nil when Caddy could not be read.
    @discardableResult
    static func read(admin: CaddyAdmin) -> Int? {
        let start = meters.withLock { Self.start($0[admin.socket] ?? Meter()) }
        guard let reading = gather(admin: admin, known: start.known) else { return nil }
        meters.withLock { meters in
            var meter = meters[admin.socket] ?? Meter()
            guard meter.loads == start.loads else { return }
            count(reading, from: start, into: &meter)
            meters[admin.socket] = meter
        }
        return reading.malformedLines
    }

    /// Asks Caddy for its totals ahead of a load and returns without waiting for the answer,
    /// which ``read(admin:asked:loading:)`` reads at the load (in this step's apply) or
    /// ``read(_:admin:)`` when nothing is loaded after all. Nil when the last reading listed more
    /// than ``hostsAskedAhead`` hosts, or the host cannot begin a request (the load then asks).
    /// A reading that straddles this one is let go, as one that straddles a load.
    static func ask(admin: CaddyAdmin) -> AskedReading? {
        let start = meters.withLock { meters -> Start? in
            var meter = meters[admin.socket] ?? Meter()
            guard meter.previous.count <= hostsAskedAhead else { return nil }
            meter.loads += 1
            meters[admin.socket] = meter
            return Self.start(meter)
        }
        guard let start else { return nil }
        switch admin.host.begin(socket: admin.socket, path: metricsPath) {
        case .success(let request):
            return AskedReading(request: request, start: start)
        case .failure:
            end(nil, from: start, admin: admin)
            return nil
        }
    }

    /// Reads a reading asked for (``ask(admin:)``) when no load follows, and counts it.
    static func read(_ asked: AskedReading, admin: CaddyAdmin) {
        end(gather(admin: admin, known: asked.start.known, request: asked.request), from: asked.start, admin: admin)
    }

    /// Reads Caddy's totals at a config load, and runs `load` (which loads the config and says
    /// whether it did) once: as soon as the first bytes of Caddy's answer arrive, or after the
    /// request when Caddy could not be read. The answer is that of `asked` when the plan asked
    /// (``ask(admin:)``) and the host still holds its request, else of a request sent now.
    /// Returns what ``read(admin:)`` returns.
    ///
    /// Caddy takes every counter's value before it writes any, so from its first byte the
    /// reading is fixed and the load loses nothing of it; the rest of the text is read while
    /// the new config loads. With 1,000 hosts that have all served traffic that text is 4.7 MB
    /// and some 80 ms after the values are taken, with 10,000 some 45 MB and a second or more.
    /// (Sent any earlier, the load can overtake the reading: Caddy may then answer it from the
    /// new config's counters, or from the old ones with the new load's time.)
    @discardableResult
    static func read(admin: CaddyAdmin, asked: AskedReading? = nil, loading load: () -> Bool) -> Int? {
        let start =
            asked?.start
            ?? meters.withLock { meters in
                meters[admin.socket, default: Meter()].loads += 1
                return Self.start(meters[admin.socket]!)
            }
        var loaded: Bool?
        let reading = withoutActuallyEscaping(load) { load -> CaddyMetricsReading? in
            if let asked, let reading = gather(admin: admin, known: start.known, request: asked.request, whenAnswered: { loaded = load() }) {
                return reading
            }
            // Not asked, or the asked request is no longer held or not answered: asked now,
            // unless the load already went out.
            guard loaded == nil else { return nil }
            return gather(admin: admin, known: start.known) { loaded = load() }
        }
        let didLoad = loaded ?? load()
        end(reading, from: start, loaded: didLoad, admin: admin)
        return reading?.malformedLines
    }

    /// Ends a reading that moved ``Meter/loads`` as it began (one asked ahead, or one at a load):
    /// counts what it read, if anything, marks the counters as starting from zero when a config
    /// was `loaded`, and moves `loads` on again.
    private static func end(_ reading: CaddyMetricsReading?, from start: Start, loaded: Bool = false, admin: CaddyAdmin) {
        meters.withLock { meters in
            var meter = meters[admin.socket] ?? Meter()
            if let reading { count(reading, from: start, into: &meter) }
            if loaded { meter.countsFromZero = true }
            meter.loads += 1
            meters[admin.socket] = meter
        }
    }

    private static func start(_ meter: Meter) -> Start {
        Start(known: meter.previous, readings: meter.readings, loads: meter.loads)
    }

    /// Caddy's totals, read as they arrive, from the answer to `request` (asked before) or to a
    /// request sent now; nil when Caddy could not be read. `whenAnswered` runs once, on this
    /// thread, when the first bytes of the answer arrive, before they are read.
    private static func gather(
        admin: CaddyAdmin, known: TrafficTotals, request: UInt64? = nil, whenAnswered: (() -> Void)? = nil
    ) -> CaddyMetricsReading? {
        var reading = CaddyMetricsReading(known: known)
        var answered = whenAnswered
        let onBody = { (piece: UnsafeBufferPointer<UInt8>) -> Bool in
            if let run = answered {
                answered = nil
                run()
            }
            reading.feed(piece)
            return true
        }
        let answer =
            if let request {
                admin.host.answer(request, onBody: onBody)
            } else {
                admin.host.stream(socket: admin.socket, path: metricsPath, onBody: onBody)
            }
        guard answer.status == PP_OK, answer.httpStatus == 200 else { return nil }
        reading.finish()
        return reading
    }

    /// Adds what `reading` counted since the reading before it (`start.known`) to what will be
    /// handed out, and keeps its totals; all of it when the counters started from zero since (a
    /// config was loaded, or Caddy's reload time changed). Lets it go when another reading was
    /// counted since it began.
    private static func count(_ reading: CaddyMetricsReading, from start: Start, into meter: inout Meter) {
        guard meter.readings == start.readings else { return }
        let restarted = meter.countsFromZero || meter.reloadedAt != reading.reloadedAt
        meter.countsFromZero = false
        var totals = TrafficTotals()
        var changes = TrafficTotals()
        reading.forEachHost { host, traffic, slot in
            totals.append(host, traffic)
            guard !restarted else { return changes.append(host, traffic) }
            let earlier = slot.map(start.known.traffic(at:))
            let delta = earlier.flatMap { traffic.subtracting($0) } ?? traffic
            if !delta.isEmpty { changes.append(host, delta) }
        }
        meter.pending = meter.pending.count == 0 ? changes : meter.pending.adding(changes)
        let unattributedEarlier = restarted || reading.unattributed < meter.previousUnattributed ? 0 : meter.previousUnattributed
        meter.unattributed += reading.unattributed - unattributedEarlier
        meter.previous = totals
        meter.readings += 1
        meter.previousUnattributed = reading.unattributed
        meter.reloadedAt = reading.reloadedAt
    }

    /// Hands out what was served since the last call, as JSON text written straight from the
    /// counters: `{"hosts": [[host, 1xx, 2xx, 3xx, 4xx, 5xx, bytes_in, bytes_out, latency × 12]],
    /// "unattributed"}`, hosts with traffic only, in name order, at most ``hostsPerReport`` of
    /// them; `more` when others are left, which the next call hands out before Caddy is read
    /// again. Nil when Caddy could not be read (what was served stays for the next call).
    static func take(admin: CaddyAdmin) -> (report: [UInt8], more: Bool)? {
        if !(meters.withLock { $0[admin.socket]?.handingOut ?? false }) {
            guard let malformed = read(admin: admin) else { return nil }
            if malformed > 0 { admin.host.log(PP_LOG_WARNING, "\(malformed) lines of Caddy's metrics did not parse and were skipped") }
        }
        return meters.withLock { meters in
            var meter = meters[admin.socket] ?? Meter()
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
            meters[admin.socket] = meter
            return (report, meter.handingOut)
        }
    }
}
