import Foundation
import JSONCore

/// What hosts and servers served, for the UI's charts and lists: one host's series over a range
/// with its per-server breakdown, and a summary of every host and server. Pending reports are
/// written first, so a read sees every report taken in.
struct TrafficService: Sendable {
    let store: Store
    let keeper: TrafficKeeper

    static let hostTypes: Set<String> = [ProxyHostKind.type, RedirectionHostKind.type, DeadHostKind.type]

    /// One point of a series, or a total.
    struct Figures: Sendable {
        var counters = TrafficCounters()

        var json: JSON {
            func milliseconds(_ value: Double?) -> JSON { value.map { .double(($0 * 10).rounded() / 10) } ?? .null }
            return .object([
                ("requests", .int(Int(counters.total))), ("status_2xx", .int(Int(counters.requests[1]))),
                ("status_3xx", .int(Int(counters.requests[2]))), ("status_4xx", .int(Int(counters.clientErrors))),
                ("status_5xx", .int(Int(counters.serverErrors))), ("bytes_in", .int(Int(counters.bytesIn))),
                ("bytes_out", .int(Int(counters.bytesOut))), ("p50_ms", milliseconds(counters.latencyQuantile(0.5))),
                ("p95_ms", milliseconds(counters.latencyQuantile(0.95))),
            ])
        }
    }

    /// `{"range", "step_seconds", "points": [{"at", figures…}], "totals", "servers": [{"server_id",
    /// "name", figures…}]}` for host `id`.
    func host(id: Int64, range: TrafficRange, now: Date = Date()) async throws -> JSON {
        try await keeper.flush()
        let periods = range.periods(now: Int64(now.timeIntervalSince1970))
        let (entries, names) = try await store.database.read { db in
            guard let row = try ResourceRepository.find(db, id: id), Self.hostTypes.contains(row.type) else {
                throw DomainError.notFound("host")
            }
            let entries = try TrafficRepository.series(
                db, resourceIDs: [id], from: periods[0], to: periods[periods.count - 1] + range.step, step: range.step,
                resolution: range.resolution)
            let names = try ServerRepository.namesAndCertificateReporting(db, ids: Array(Set(entries.map(\.serverID)))).mapValues(\.name)
            return (entries, names)
        }
        var points: [Int64: Figures] = [:]
        var servers: [Int64: Figures] = [:]
        var totals = Figures()
        for entry in entries {
            points[entry.period, default: Figures()].counters.add(entry.counters)
            servers[entry.serverID, default: Figures()].counters.add(entry.counters)
            totals.counters.add(entry.counters)
        }
        let seconds = range.resolution.seconds
        return .object([
            ("range", .string(range.rawValue)), ("step_seconds", .int(Int(range.stepSeconds))),
            ("points", .array(periods.map { period in Self.merged(["at": .int(Int(period * seconds))], (points[period] ?? Figures()).json) })),
            ("totals", totals.json),
            (
                "servers",
                .array(
                    servers.sorted { $0.key < $1.key }.map { id, figures in
                        Self.merged(["server_id": .int(Int(id)), "name": .string(names[id] ?? "")], figures.json)
                    })
            ),
        ])
    }

    /// `{"range", "hosts": [{"id", "type", "name", figures…, "requests_spark": [24], "errors_spark": [24]}],
    /// "servers": [{"server_id", "name", figures…}]}` over the last 24 hours, by hour: each host
    /// with traffic, and each server's totals. Hosts come most requested first.
    /// With `hostIDs`, only those hosts (a page of a list); their servers' totals are then theirs only.
    func summary(hostIDs: [Int64]? = nil, now: Date = Date()) async throws -> JSON {
        try await keeper.flush()
        let first = Int64(now.timeIntervalSince1970) / 3600 - 23
        let (entries, types, names) = try await store.database.read { db in
            let entries = try TrafficRepository.series(db, resourceIDs: hostIDs, from: first, to: first + 24, step: 1, resolution: .hour)
            let ids = Array(Set(entries.map(\.resourceID)))
            let types = try ResourceRepository.labels(db, ids: ids)
            let names = try ServerRepository.namesAndCertificateReporting(db, ids: Array(Set(entries.map(\.serverID)))).mapValues(\.name)
            return (entries, types, names)
        }
        var hosts: [Int64: (figures: Figures, requests: [Int64], errors: [Int64])] = [:]
        var servers: [Int64: Figures] = [:]
        for entry in entries where types[entry.resourceID].map({ Self.hostTypes.contains($0.type) }) == true {
            let slot = Int(entry.period - first)
            guard (0..<24).contains(slot) else { continue }
            var host = hosts[entry.resourceID] ?? (Figures(), Array(repeating: 0, count: 24), Array(repeating: 0, count: 24))
            host.figures.counters.add(entry.counters)
            host.requests[slot] += entry.counters.total
            host.errors[slot] += entry.counters.clientErrors + entry.counters.serverErrors
            hosts[entry.resourceID] = host
            servers[entry.serverID, default: Figures()].counters.add(entry.counters)
        }
        let ordered = hosts.sorted { ($0.value.figures.counters.total, $1.key) > ($1.value.figures.counters.total, $0.key) }
        return .object([
            ("range", "24h"),
            (
                "hosts",
                .array(
                    ordered.map { id, host in
                        Self.merged(
                            [
                                "id": .int(Int(id)), "type": .string(types[id]?.type ?? ""), "name": .string(types[id]?.name ?? ""),
                                "requests_spark": .array(host.requests.map { .int(Int($0)) }),
                                "errors_spark": .array(host.errors.map { .int(Int($0)) }),
                            ], host.figures.json)
                    })
            ),
            (
                "servers",
                .array(
                    servers.sorted { $0.key < $1.key }.map { id, figures in
                        Self.merged(["server_id": .int(Int(id)), "name": .string(names[id] ?? "")], figures.json)
                    })
            ),
        ])
    }

    private static func merged(_ head: JSON, _ tail: JSON) -> JSON {
        guard case .object(let first) = head, case .object(let second) = tail else { return head }
        return .object(first + second)
    }
}
