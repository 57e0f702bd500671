// What keeping per-host traffic costs the controller (see Benchmarks/README.md):
//   TrafficBenchmark [HOSTS] [DAY_HOSTS]
// 1. Ingestion of one status report of HOSTS active hosts, as the controller takes it from an
//    agent (decoding the message, adding its traffic to the pending minute), against the
//    baseline of only parsing the same message's JSON; medians of interleaved samples.
// 2. Writing that report to the database (the keeper's flush: a minute row and an hour row per
//    host), median.
// 3. Stored bytes per host per day: DAY_HOSTS hosts with traffic in every minute of a day,
//    written as the keeper writes them, measured per table with SQLite's dbstat.
@_spi(Benchmarks) import Controller
import Foundation
import GRDB
import Host
import JSONCore
import Logging
import Synchronization

let arguments = CommandLine.arguments
let hostCount = arguments.count > 1 ? Int(arguments[1]) ?? 10_000 : 10_000
let dayHosts = arguments.count > 2 ? Int(arguments[2]) ?? 200 : 200
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("traffic-benchmark-\(getpid())").path
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: folder) }

/// A store with one server serving `count` hosts, `host-N.example.com`; returns it and the server's id.
func seededStore(_ name: String, hosts count: Int) throws -> (Store, Int64, String) {
    let path = "\(folder)/\(name).sqlite"
    let store = try Store(path: path)
    let queue = try DatabaseQueue(path: path)
    let serverID = try queue.write { db -> Int64 in
        try db.execute(
            sql: "INSERT INTO servers (name, hostname, status, created_on, modified_on) VALUES ('edge', '192.0.2.1', 'online', ?, ?)",
            arguments: [Date(), Date()])
        let server = db.lastInsertedRowID
        for index in 0..<count {
            try db.execute(
                sql: """
                    INSERT INTO resources (type, server_id, enabled, data, search, created_on, modified_on)
                    VALUES ('proxy_host', ?, 1, ?, '', ?, ?)
                    """,
                arguments: [server, #"{"domain_names": ["host-\#(index).example.com"]}"#, Date(), Date()])
            try db.execute(
                sql: "INSERT INTO resource_claims (resource_id, server_id, claim) VALUES (?, ?, ?)",
                arguments: [db.lastInsertedRowID, server, "domain:host-\(index).example.com"])
        }
        return server
    }
    try queue.close()
    return (store, serverID, path)
}

/// A busy minute of host `index`: requests of every class, bytes, latencies in a few buckets.
func traffic(_ index: Int, minute: Int = 0) -> AgentMessage.HostTraffic {
    let spread = Int64((index * 7 + minute * 13) % 50)
    return AgentMessage.HostTraffic(
        host: "host-\(index).example.com", requests: [0, 600 + spread, 20, 9 + spread % 5, spread % 3], bytesIn: 180_000 + spread * 100,
        bytesOut: 9_000_000 + spread * 10_000, latency: [300 + spread, 200, 90, 30, 8, 2 + spread % 2, 1, 0, 0, 0, 0, 0])
}

/// A line on standard output at once (unbuffered, so nothing is lost if a later step fails).
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
func milliseconds(_ duration: Duration) -> Double { Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1000 }

let clock = ContinuousClock()
let (store, serverID, _) = try seededStore("ingest", hosts: hostCount)
let report = AgentMessage.TrafficReport(hosts: (0..<hostCount).map { traffic($0) }, unattributed: 0)
let message = AgentMessage.status(AgentMessage.StatusReport(caddyRunning: true, upstreams: [], traffic: report)).encoded()
let keeper = TrafficKeeper(store: store, logger: Logger(label: "benchmark"))

var parse: [Double] = [], decode: [Double] = [], record: [Double] = [], flush: [Double] = []
for sample in 0..<21 {
    let parsed = clock.measure { _ = try? JSONParser.parse(message) }
    var traffic: AgentMessage.TrafficReport?
    let decoded = try clock.measure {
        guard case .status(let status) = try AgentMessage.decode(message) else { fatalError("not a status") }
        traffic = status.traffic
    }
    let recorded = clock.measure { store.traffic.record(serverID: serverID, traffic!) }
    if sample > 0 {
        parse.append(milliseconds(parsed))
        decode.append(milliseconds(decoded))
        record.append(milliseconds(recorded))
    }
    if sample % 4 == 0 {
        let flushed = try await clock.measure { try await keeper.flush() }
        if sample > 0 { flush.append(milliseconds(flushed)) }
    } else {
        _ = try await keeper.flush()
    }
}
// A change made through the API while the keeper writes that report: how long its write waits
// for the database: a transaction every millisecond through each of five flushes, the longest.
final class Flag: Sendable {
    private let raised = Mutex(false)
    func raise() { raised.withLock { $0 = true } }
    var isRaised: Bool { raised.withLock { $0 } }
}
var waits: [Double] = []
for _ in 0..<5 {
    store.traffic.record(serverID: serverID, report)
    let done = Flag()
    let flushing = Task {
        defer { done.raise() }
        try await keeper.flush()
    }
    while !done.isRaised {
        let waited = try await clock.measure { try await store.emptyWrite() }
        waits.append(milliseconds(waited))
        try await Task.sleep(for: .milliseconds(1))
    }
    try await flushing.value
}

say("== one status report of \(hostCount) active hosts (\(message.count / 1024) KiB)")
let ingest = median(zip(decode, record).map { $0 + $1 })
say(
    String(
        format: "ingestion: %.1f ms (median; decoding the message %.1f, adding its traffic to the pending minute %.1f)  [target < 20 ms]", ingest,
        median(decode), median(record)))
say(String(format: "baseline, parsing the message as a JSON tree: %.1f ms; ratio %.2f", median(parse), ingest / median(parse)))
say(String(format: "written to the database (keeper flush, a minute row and an hour row per host): %.1f ms (median)", median(flush)))
say(
    String(
        format: "a change meanwhile (an empty transaction) waited at most %.1f ms (%d writes through 5 flushes; median %.2f)",
        waits.max() ?? 0, waits.count, median(waits)))

// A day of traffic in every minute for `dayHosts` hosts, written as the keeper does (every minute).
let (dayStore, dayServer, dayPath) = try seededStore("day", hosts: dayHosts)
let dayKeeper = TrafficKeeper(store: dayStore, logger: Logger(label: "benchmark"))
let start = Date(timeIntervalSince1970: Double(Int(Date().timeIntervalSince1970) / 86400 * 86400))
for minute in 0..<1440 {
    let minuteReport = AgentMessage.TrafficReport(hosts: (0..<dayHosts).map { traffic($0, minute: minute) }, unattributed: 0)
    dayStore.traffic.record(serverID: dayServer, minuteReport, at: start.addingTimeInterval(Double(minute * 60)))
    try await dayKeeper.flush()
}
// dbstat reads the pages as this connection sees them, the write-ahead log's included.
let sizes = try DatabaseQueue(path: dayPath).read { db -> [String: Int] in
    var sizes: [String: Int] = [:]
    for row in try Row.fetchAll(db, sql: "SELECT name, SUM(pgsize) AS bytes FROM dbstat WHERE name LIKE '%traffic_%' GROUP BY name") {
        sizes[row["name"]] = row["bytes"]
    }
    return sizes
}
let minuteBytes =
    Double(sizes.filter { $0.key.hasPrefix("traffic_minutes") || $0.key.hasPrefix("sqlite_autoindex_traffic_minutes") }.values.reduce(0, +))
    / Double(dayHosts)
let hourBytes = Double((sizes["traffic_hours"] ?? 0) + (sizes["traffic_hours_by_hour"] ?? 0)) / Double(dayHosts)
say("== a day of traffic in every minute, \(dayHosts) hosts, one server (tables with their indexes)")
say(String(format: "minute rows: %.1f KiB per host per day (kept 48 hours)", minuteBytes / 1024))
say(String(format: "hour rows: %.2f KiB per host per day (kept 90 days)", hourBytes / 1024))
say(
    String(
        format: "steady state: %.0f KiB per host for 90 days of history, %.2f KiB per host per day kept  [target < 4 KiB]",
        (2 * minuteBytes + 90 * hourBytes) / 1024, (2 * minuteBytes + 90 * hourBytes) / 90 / 1024))
