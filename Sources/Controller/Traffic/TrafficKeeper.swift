import CoreMetrics
import Foundation
import Host
import Logging
import ServiceLifecycle

/// Writes the traffic the ``TrafficLedger`` collected into the database every `interval` (and
/// before every read of it, and at shutdown), and keeps the series bounded.
///
/// Each host name is tied to the host that serves it on that server (its domain claim); a name
/// the server does not serve is dropped with a log line, never stored. Each minute is added to
/// its minute row and to its hour's row, so the hours are downsampled as they are written.
/// Minute rows older than 48 hours and hour rows older than 90 days are deleted every ten
/// minutes. The same counts go to `/metrics` (``TrafficSeries``); requests whose host was none
/// of the server's names (sent with a port, or to a wildcard's name) only as
/// `posternproxy_server_unattributed_requests_total{server}`.
@_spi(Benchmarks) public actor TrafficKeeper: Service {
    static let minuteRetention: Int64 = 48 * 60
    static let hourRetention: Int64 = 90 * 24

    private let store: Store
    private let interval: Duration
    private let logger: Logger
    private var lastPrune: ContinuousClock.Instant?
    private var loggedUnknown: [String: ContinuousClock.Instant] = [:]

    public init(store: Store, interval: Duration = .seconds(10), logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown { await self.keep() }
        try? await flush()
    }

    private func keep() async {
        while !Task.isCancelled {
            guard (try? await Task.sleep(for: interval)) != nil else { return }
            do {
                try await flush()
                if lastPrune.map({ $0.duration(to: .now) > .seconds(600) }) ?? true {
                    try await prune()
                    lastPrune = .now
                }
            } catch {
                logger.warning("could not store traffic", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Writes what the ledger holds. On failure it goes back to the ledger for the next try.
    public func flush() async throws {
        for (server, count) in store.traffic.drainRefused() {
            logger.warning("malformed traffic entries in a status report were refused", metadata: ["server_id": "\(server)", "entries": "\(count)"])
        }
        let unattributed = store.traffic.drainUnattributed()
        let drained = store.traffic.drain()
        guard !drained.isEmpty || !unattributed.isEmpty else { return }
        let serverIDs = Set(drained.keys.map(\.serverID)).union(unattributed.keys)
        let counted = Dictionary(grouping: drained.keys, by: \.serverID).mapValues { Set($0.map(\.host)) }
        let resolved: (entries: [(TrafficLedger.Key, Int64)], unknown: [TrafficLedger.Key], servers: [Int64: String])
        do {
            resolved = try await store.database.write { db in
                var names: [Int64: [String: Int64]] = [:]
                for (id, hosts) in counted { names[id] = try TrafficRepository.hosts(db, serverID: id, serving: hosts) }
                var entries: [(TrafficLedger.Key, Int64)] = []
                var unknown: [TrafficLedger.Key] = []
                var minutes: [TrafficRepository.Entry] = []
                var hours: [HourKey: TrafficCounters] = [:]
                for (key, counters) in drained {
                    guard let resource = names[key.serverID]?[key.host] else {
                        unknown.append(key)
                        continue
                    }
                    entries.append((key, resource))
                    minutes.append(TrafficRepository.Entry(resourceID: resource, serverID: key.serverID, period: key.minute, counters: counters))
                    hours[HourKey(resource: resource, server: key.serverID, hour: key.minute / 60), default: TrafficCounters()].add(counters)
                }
                try TrafficRepository.add(db, minutes, resolution: .minute)
                try TrafficRepository.add(
                    db,
                    hours.map {
                        TrafficRepository.Entry(resourceID: $0.key.resource, serverID: $0.key.server, period: $0.key.hour, counters: $0.value)
                    },
                    resolution: .hour)
                let servers = try ServerRepository.namesAndCertificateReporting(db, ids: Array(serverIDs)).mapValues(\.name)
                return (entries, unknown, servers)
            }
        } catch {
            store.traffic.restore(drained)
            throw error
        }
        for (key, _) in resolved.entries {
            guard let serverName = resolved.servers[key.serverID], let counted = drained[key] else { continue }
            store.trafficSeries.add(counted, server: serverName, host: key.host)
        }
        for (serverID, count) in unattributed {
            guard let serverName = resolved.servers[serverID] else { continue }
            Counter(label: "posternproxy_server_unattributed_requests_total", dimensions: [("server", serverName)]).increment(by: count)
        }
        logUnknown(resolved.unknown, servers: resolved.servers)
    }

    /// Deletes the minutes and hours past their retention.
    func prune(now: Date = Date()) async throws {
        let minute = Int64(now.timeIntervalSince1970) / 60
        let removed = try await store.database.write { db in
            try TrafficRepository.deleteBefore(db, period: minute - Self.minuteRetention, resolution: .minute)
                + TrafficRepository.deleteBefore(db, period: minute / 60 - Self.hourRetention, resolution: .hour)
        }
        if removed > 0 { logger.debug("old traffic removed", metadata: ["rows": "\(removed)"]) }
    }

    private struct HourKey: Hashable {
        var resource: Int64
        var server: Int64
        var hour: Int64
    }

    /// One line per server and name at most every ten minutes.
    private func logUnknown(_ keys: [TrafficLedger.Key], servers: [Int64: String]) {
        let now = ContinuousClock.now
        for key in keys {
            let id = "\(key.serverID) \(key.host)"
            if let last = loggedUnknown[id], last.duration(to: now) < .seconds(600) { continue }
            loggedUnknown[id] = now
            logger.warning(
                "traffic reported for a name the server does not serve; ignored",
                metadata: ["server": "\(servers[key.serverID] ?? String(key.serverID))", "host": "\(key.host.prefix(253))"])
        }
        if loggedUnknown.count > 10_000 { loggedUnknown = loggedUnknown.filter { $0.value.duration(to: now) < .seconds(600) } }
    }
}
