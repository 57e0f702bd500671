import Foundation
import Host
import Synchronization

/// The traffic of the servers' status reports not yet written to the database, summed per
/// server, host name and minute. Taking a report in is a few dictionary additions (10,000
/// hosts in a few milliseconds), so the agent link never waits on SQLite; ``TrafficKeeper``
/// drains it every few seconds, ties each name to its host and writes the minutes and hours.
@_spi(Benchmarks) public final class TrafficLedger: Sendable {
    public struct Key: Hashable, Sendable {
        var serverID: Int64
        var host: String
        /// Minutes since 1970.
        var minute: Int64
    }

    private let pending = Mutex<[Key: TrafficCounters]>([:])
    /// Per server, the malformed entries its reports held (left out as they were read), and
    /// the requests whose host was none of its names.
    private let refused = Mutex<[Int64: Int]>([:])
    private let unattributed = Mutex<[Int64: Int64]>([:])

    /// Adds what `report` says each host of server `serverID` served, to the minute of `date`.
    public func record(serverID: Int64, _ report: AgentMessage.TrafficReport, at date: Date = Date()) {
        let minute = Int64(date.timeIntervalSince1970) / 60
        if report.unattributed > 0 { unattributed.withLock { $0[serverID, default: 0] += report.unattributed } }
        pending.withLock { pending in
            pending.reserveCapacity(pending.count + report.hosts.count)
            for host in report.hosts {
                // Names are case-insensitive, stored in lower case.
                let name = host.host.utf8.contains { (0x41...0x5A).contains($0) } ? host.host.lowercased() : host.host
                let key = Key(serverID: serverID, host: name, minute: minute)
                if pending[key] == nil {
                    pending[key] = TrafficCounters(host)
                } else {
                    pending[key]!.add(TrafficCounters(host))
                }
            }
        }
    }

    /// Counts entries of a server's report that were malformed and left out, to be logged.
    func noteRefused(serverID: Int64, count: Int) {
        refused.withLock { $0[serverID, default: 0] += count }
    }

    /// The requests of no served name recorded since the last call, per server.
    func drainUnattributed() -> [Int64: Int64] {
        unattributed.withLock { counts in
            defer { counts = [:] }
            return counts
        }
    }

    /// The malformed entries noted since the last call, per server.
    func drainRefused() -> [Int64: Int] {
        refused.withLock { refused in
            defer { refused = [:] }
            return refused
        }
    }

    /// Puts back what ``drain()`` took and could not be written.
    func restore(_ entries: [Key: TrafficCounters]) {
        pending.withLock { pending in
            for (key, counters) in entries { pending[key, default: TrafficCounters()].add(counters) }
        }
    }

    /// Everything recorded since the last call.
    func drain() -> [Key: TrafficCounters] {
        pending.withLock { pending in
            defer { pending = [:] }
            return pending
        }
    }
}
