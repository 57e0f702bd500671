import Foundation
import Host
import Logging
import Testing
import TestSupport

@_spi(Benchmarks) @testable import Controller

/// Traffic in the store: minutes packed an hour a row and added up across flushes, hours kept
/// beside them, both cut at their retention, and series read back per step.
@Suite struct TrafficStoreTests {
    @Test func minutesAndHoursAddUpAcrossFlushesAndAreCutAtTheirRetention() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try Store(path: folder.file("test.sqlite"))
        let (local, host) = try await store.database.write { db in
            let local = try ServerRepository.localID(db)
            let id = try ResourceRepository.insert(db, type: "proxy_host", serverID: local, ownerUserID: nil, enabled: true, data: "{}", search: "")
            try ResourceRepository.addClaim(db, resourceID: id, serverID: local, claim: "domain:kept.test")
            return (local, id)
        }
        let keeper = TrafficKeeper(store: store, logger: Logger(label: "test"))
        func report(_ requests: Int64) -> AgentMessage.TrafficReport {
            .init(
                hosts: [
                    .init(
                        host: "KEPT.test", requests: [0, requests, 0, 1, 0], bytesIn: 10, bytesOut: 300,
                        latency: [requests, 1] + Array(repeating: 0, count: 10))
                ],
                unattributed: 0)
        }
        let now = Date(timeIntervalSince1970: 1_796_000_000)
        let minute = Int64(now.timeIntervalSince1970) / 60
        // Two reports in one minute, flushed apart; one the next minute; one three days ago.
        store.traffic.record(serverID: local, report(5), at: now)
        try await keeper.flush()
        store.traffic.record(serverID: local, report(7), at: now.addingTimeInterval(20))
        store.traffic.record(serverID: local, report(2), at: now.addingTimeInterval(60))
        store.traffic.record(serverID: local, report(100), at: now.addingTimeInterval(-3 * 86400))
        try await keeper.flush()

        let minutes = try await store.database.read { db in
            try TrafficRepository.series(db, resourceIDs: [host], from: minute - 10, to: minute + 10, step: 1, resolution: .minute)
        }
        #expect(minutes.map(\.period) == [minute, minute + 1])
        #expect(minutes.map(\.counters.total) == [14, 3])
        #expect(minutes.first?.counters.latency.prefix(2) == [12, 2] && minutes.first?.counters.bytesOut == 600)
        let hours = try await store.database.read { db in
            try TrafficRepository.series(db, resourceIDs: [host], from: minute / 60 - 100, to: minute / 60 + 1, step: 1, resolution: .hour)
        }
        #expect(hours.map(\.counters.total).reduce(0, +) == 118)

        try await keeper.prune(now: now)
        let (keptMinutes, keptHours) = try await store.database.read { db in
            (
                try TrafficRepository.series(db, resourceIDs: nil, from: 0, to: minute + 10, step: 1, resolution: .minute),
                try TrafficRepository.series(db, resourceIDs: nil, from: 0, to: minute / 60 + 1, step: 1, resolution: .hour)
            )
        }
        // The minutes of three days ago are past 48 hours; their hour is within 90 days.
        #expect(keptMinutes.map(\.counters.total).reduce(0, +) == 17)
        #expect(keptHours.map(\.counters.total).reduce(0, +) == 118)
        try await keeper.prune(now: now.addingTimeInterval(91 * 86400))
        let gone = try await store.database.read { db in
            try TrafficRepository.series(db, resourceIDs: nil, from: 0, to: minute / 60 + 3000, step: 1, resolution: .hour)
        }
        #expect(gone.isEmpty)
    }

    @Test func aFlushFindsEachCountedHostAmongManyAndIgnoresNamesNotServedThere() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try Store(path: folder.file("test.sqlite"))
        // 1,200 hosts (more names than one lookup asks for), one name served only by another
        // server, and names nobody serves.
        let (local, hosts, elsewhere) = try await store.database.write { db in
            let local = try ServerRepository.localID(db)
            var hosts: [Int64] = []
            for index in 0..<1200 {
                let id = try ResourceRepository.insert(
                    db, type: "proxy_host", serverID: local, ownerUserID: nil, enabled: true, data: "{}", search: "")
                try ResourceRepository.addClaim(db, resourceID: id, serverID: local, claim: "domain:h\(index).test")
                hosts.append(id)
            }
            let other = try ServerRepository.insert(db, .remote(name: "other", hostname: "192.0.2.9", sshPort: 22, sshUser: "root"))
            let elsewhere = try ResourceRepository.insert(
                db, type: "proxy_host", serverID: other, ownerUserID: nil, enabled: true, data: "{}", search: "")
            try ResourceRepository.addClaim(db, resourceID: elsewhere, serverID: other, claim: "domain:other.test")
            return (local, hosts, elsewhere)
        }
        let counted = Array(0..<1200).filter { $0 % 3 != 0 }
        let names = counted.map { "h\($0).test" } + ["other.test", "nobody.test", "domain:h1.test", "h1.test' OR 1=1 --"]
        store.traffic.record(
            serverID: local,
            .init(
                hosts: names.enumerated().map { position, name in
                    .init(
                        host: name, requests: [0, Int64(position + 1), 0, 0, 0], bytesIn: 0, bytesOut: 0,
                        latency: [Int64(position + 1)] + Array(repeating: 0, count: 11))
                },
                unattributed: 0),
            at: Date(timeIntervalSince1970: 1_796_000_000))
        try await TrafficKeeper(store: store, logger: Logger(label: "test")).flush()

        let minutes = try await store.database.read { db in
            try TrafficRepository.series(db, resourceIDs: nil, from: 0, to: 1_796_000_000 / 60 + 10, step: 1, resolution: .minute)
        }
        #expect(minutes.map(\.counters.total).reduce(0, +) == Int64(counted.count * (counted.count + 1) / 2))
        for (position, index) in counted.enumerated().filter({ $0.offset % 97 == 0 }) {
            let series = try await store.database.read { db in
                try TrafficRepository.series(db, resourceIDs: [hosts[index]], from: 0, to: 1_796_000_000 / 60 + 10, step: 1, resolution: .minute)
            }
            #expect(series.map(\.counters.total) == [Int64(position + 1)], "h\(index).test")
        }
        let notServed = try await store.database.read { db in
            try TrafficRepository.series(
                db, resourceIDs: [elsewhere] + hosts.enumerated().filter { $0.offset % 3 == 0 }.map(\.element), from: 0, to: 1_796_000_000 / 60 + 10,
                step: 1, resolution: .minute)
        }
        #expect(notServed.isEmpty)
    }

    @Test func packedMinutesReadBackAndATruncatedValueKeepsWhatDecodes() {
        var packed = PackedMinutes()
        var busy = TrafficCounters()
        busy.requests = [0, 1 << 40, 3, 0, 1]
        busy.bytesOut = 9_000_000_000
        packed.add(busy, minute: 59)
        packed.add(TrafficCounters(), minute: 0)
        #expect(PackedMinutes(packed.bytes) == packed)
        let bytes = packed.bytes
        #expect(PackedMinutes(Array(bytes.dropLast(3))).minutes.keys.sorted() == [0])
        #expect(PackedMinutes([200, 1, 2]).minutes.isEmpty)
    }
}
