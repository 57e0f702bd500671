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

    /// Writes what the ledger holds, ``hostsPerWrite`` entries a transaction: a flush of 10,000
    /// busy hosts is some 500 ms of writing, and a change made through the API meanwhile waits
    /// for one slice (some 10 ms), not for all of them. On failure, the failed slice and those
    /// after it go back to the ledger for the next try.
    public func flush() async throws {
        for (server, count) in store.traffic.drainRefused() {
            logger.warning("malformed traffic entries in a status report were refused", metadata: ["server_id": "\(server)", "entries": "\(count)"])
        }
        let unattributed = store.traffic.drainUnattributed()
        let drained = store.traffic.drain()
        guard !drained.isEmpty || !unattributed.isEmpty else { return }
        let serverIDs = Array(Set(drained.keys.map(\.serverID)).union(unattributed.keys))
        let servers: [Int64: String]
        let entries: [(key: TrafficLedger.Key, value: TrafficCounters)]
        do {
            // Read beside the writer: the servers' names, and which host serves each name, so
            // that the rows are written in the order they are stored and one slice does not
            // rewrite the pages another wrote. Each slice looks its names up again as it writes.
            (servers, entries) = try await store.database.read { db in
                let servers = try ServerRepository.namesAndCertificateReporting(db, ids: serverIDs).mapValues(\.name)
                let hosts = try Self.hosts(serving: drained.keys, db)
                let placed = drained.map { entry in (entry, hosts[entry.key.serverID]?[entry.key.host] ?? .max) }
                let entries = placed.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0.key.minute < $1.0.key.minute }.map(\.0)
                return (servers, entries)
            }
        } catch {
            store.traffic.restore(drained)
            throw error
        }
        var unknown: [TrafficLedger.Key] = []
        for start in stride(from: 0, to: entries.count, by: Self.hostsPerWrite) {
            let slice = entries[start..<min(entries.count, start + Self.hostsPerWrite)]
            let written: (served: [TrafficLedger.Key], unknown: [TrafficLedger.Key])
            do {
                written = try await store.database.write { db in try Self.write(slice, db) }
            } catch {
                store.traffic.restore(Dictionary(uniqueKeysWithValues: entries[start...].map { ($0.key, $0.value) }))
                throw error
            }
            for key in written.served {
                guard let serverName = servers[key.serverID], let counted = drained[key] else { continue }
                store.trafficSeries.add(counted, server: serverName, host: key.host)
            }
            unknown += written.unknown
        }
        for (serverID, count) in unattributed {
            guard let serverName = servers[serverID] else { continue }
            Counter(label: "posternproxy_server_unattributed_requests_total", dimensions: [("server", serverName)]).increment(by: count)
        }
        logUnknown(unknown, servers: servers)
    }

    /// Entries written in one transaction: some 10 ms of writing.
    static let hostsPerWrite = 250

    /// Which host serves the name of each of `keys` on its server, by server and name.
    private static func hosts(serving keys: some Sequence<TrafficLedger.Key>, _ db: any SQLConnection) throws -> [Int64: [String: Int64]] {
        var hosts: [Int64: [String: Int64]] = [:]
        for (id, keys) in Dictionary(grouping: keys, by: \.serverID) {
            hosts[id] = try TrafficRepository.hosts(db, serverID: id, serving: Set(keys.map(\.host)))
        }
        return hosts
    }

    /// Adds each entry of `slice` to the minute and hour rows of the host that serves its name
    /// on its server; returns the keys written and those whose name the server does not serve.
    private static func write(
        _ slice: ArraySlice<(key: TrafficLedger.Key, value: TrafficCounters)>, _ db: any SQLConnection
    ) throws -> (served: [TrafficLedger.Key], unknown: [TrafficLedger.Key]) {
        let names = try hosts(serving: slice.map(\.key), db)
        var served: [TrafficLedger.Key] = []
        var unknown: [TrafficLedger.Key] = []
        var minutes: [TrafficRepository.Entry] = []
        var hours: [HourKey: TrafficCounters] = [:]
        for (key, counters) in slice {
            guard let resource = names[key.serverID]?[key.host] else {
                unknown.append(key)
                continue
            }
            served.append(key)
            minutes.append(TrafficRepository.Entry(resourceID: resource, serverID: key.serverID, period: key.minute, counters: counters))
            hours[HourKey(resource: resource, server: key.serverID, hour: key.minute / 60), default: TrafficCounters()].add(counters)
        }
        try TrafficRepository.add(db, minutes, resolution: .minute)
        try TrafficRepository.add(
            db,
            hours.map { TrafficRepository.Entry(resourceID: $0.key.resource, serverID: $0.key.server, period: $0.key.hour, counters: $0.value) },
            resolution: .hour)
        return (served, unknown)
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
