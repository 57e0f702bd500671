import CaddyL4Rendering
import Foundation
import Host
import Testing
import TestSupport

/// The Caddy step's traffic meter: what each host served, counted from Caddy's traffic log (one
/// line per request, written across config loads) and handed out once; hostile or broken lines
/// are skipped with a log line and never become a count; a load asks Caddy for nothing else.
@Suite struct CaddyTrafficTests {
    typealias State = DesiredStateJSON

    @Test func eachHostsRequestsAreHandedOutOnceAndSurviveAConfigLoad() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let upstream = try TestUpstream("a", in: caddy.folder.path)
        defer { upstream.stop() }
        let settings = ["certificate_log": caddy.folder.file("logs/certificates.log")]
        let plain = State.proxyHost(1, ["plain.test"], to: upstream)
        // With an access list the host has a route of its own, outside the shared one.
        let own = State.proxyHost(2, ["own.test"], to: upstream, ["block_exploits": true])
        let wildcard = State.proxyHost(3, ["*.wild.test"], to: upstream, ["access_log": true])
        try await caddy.apply(State.document(["proxy_hosts": [plain, own, wildcard]]), settings: settings)
        let pipeline = PipelineDefinition(name: "apply", steps: [.init(plugin: "posternproxy.caddy", config: try caddy.stepConfig(settings))])
        _ = DataPlaneHealth.probe(pipeline, catalog: caddy.catalog, target: LocalTarget())  // starts from the log's end now

        for path in ["/", "/", "/status/404"] { #expect(try caddy.get(path, host: "plain.test").status > 0) }
        for path in ["/status/503", "/"] { #expect(try caddy.get(path, host: "own.test").status > 0) }
        // Caddy looks the name up without the port a client added.
        _ = try HTTPProbe.request("/", host: "plain.test:\(caddy.httpPort)", port: caddy.httpPort)
        // A wildcard host's requests count under the name it claims; its access log has them too.
        for name in ["a.wild.test", "b.wild.test"] { _ = try caddy.get("/", host: name) }
        // A name no host has: unattributed.
        _ = try caddy.get("/", host: "nobody.test")
        let first = try #require(DataPlaneHealth.probe(pipeline, catalog: caddy.catalog, target: LocalTarget())?.traffic)
        let byName = Dictionary(uniqueKeysWithValues: first.hosts.map { ($0.host, $0) })
        #expect(byName["plain.test"]?.requests == [0, 3, 0, 1, 0])
        #expect(byName["own.test"]?.requests == [0, 1, 0, 0, 1])
        #expect(byName["*.wild.test"]?.total == 2)
        #expect(byName["plain.test"]?.latency.reduce(0, +) == 4 && (byName["plain.test"]?.bytesOut ?? 0) > 0)
        #expect(first.hosts.count == 3 && first.unattributed == 1 && first.refused == 0, "\(first)")
        let accessLog = try String(contentsOfFile: AccessLogs.file(hostID: 3, certificateLog: settings["certificate_log"]!), encoding: .utf8)
        #expect(accessLog.split(separator: "\n").count == 2)

        // Handed out once: nothing new, nothing reported.
        let second = try #require(DataPlaneHealth.probe(pipeline, catalog: caddy.catalog, target: LocalTarget())?.traffic)
        #expect(second.hosts.isEmpty && second.unattributed == 0)

        // The log outlives a load: what was served before it, and after it, each counts once.
        _ = try caddy.get("/", host: "plain.test")
        let load = try await caddy.apply(
            State.document(["revision": 2, "proxy_hosts": [plain, own, wildcard, State.proxyHost(4, ["new.test"], to: upstream)]]),
            settings: settings)
        #expect(load.status == .succeeded)
        _ = try caddy.get("/", host: "plain.test")
        _ = try caddy.get("/", host: "new.test")
        let third = try #require(DataPlaneHealth.probe(pipeline, catalog: caddy.catalog, target: LocalTarget())?.traffic)
        let after = Dictionary(uniqueKeysWithValues: third.hosts.map { ($0.host, $0.total) })
        #expect(after == ["plain.test": 2, "new.test": 1])
    }

    @Test func malformedAndHostileLinesAreSkippedWithALogLine() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let caddy = try StandInAdmin(in: folder)
        defer { caddy.stop() }
        // No log yet: nothing served, and the log is read from its start once Caddy writes it.
        #expect(caddy.probe()?.traffic?.hosts.isEmpty == true)
        try await caddy.apply(names: [["ok.test"], ["*.wild.test"], ["split.test"]])

        func line(_ host: String, status: Any = 200, size: Any = 1200, duration: Any = 0.004, logger: String = TrafficLog.lineLogger) -> String {
            #"{"logger":"\#(logger)","request":{"host":"\#(host)"},"bytes_read":10,"duration":\#(duration),"size":\#(size),"status":\#(status)}"#
        }
        let lines = [
            line("ok.test"), line("OK.test:8443", status: 404, duration: 3), line("x.wild.test", status: 502),
            // Requests for names no host has, or that are no names at all: unattributed.
            line("scanner.example"), line("[::1]:80"), line(#"quote\"{http.request.uri}"#),
            // Not a request Caddy logs: skipped, counted.
            line("code.test", status: 999), line("negative.test", size: -7), line("nan.test", size: "\"NaN\""),
            line("other.test", logger: "http.log.access.other"), #"{"status": 200"#, "not json at all",
            String(repeating: "x", count: 70_000),
        ]
        try (lines.joined(separator: "\n") + "\n" + line("split.test").prefix(40)).write(toFile: caddy.trafficLog, atomically: false, encoding: .utf8)
        let logs = LogLines()
        let plugin = try #require(caddy.catalog.plugin(id: "posternproxy.caddy"))
        let answer = try plugin.describe(
            config: caddy.config, input: Array(#"{"health":true,"traffic":true}"#.utf8), target: LocalTarget(), onLog: { logs.append($0.message) })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(answer)) as? [String: Any])
        let traffic = try #require(object["traffic"] as? [String: Any])
        let hosts = try #require(traffic["hosts"] as? [[Any]])
        // Each host: [name, 5 classes, in, out, 12 buckets]; in lower case, the port left out.
        #expect(hosts.compactMap { $0.first as? String } == ["*.wild.test", "ok.test"])
        let ok = try #require(hosts.first { $0.first as? String == "ok.test" }).dropFirst().compactMap { $0 as? Int }
        #expect(Array(ok[0..<5]) == [0, 1, 0, 1, 0] && ok[5] == 20 && ok[6] == 2400 && ok.count == 19)
        #expect(ok[7] == 1 && ok[16] == 1, "0.004 s in the first bucket, 3 s in the tenth")
        #expect(traffic["unattributed"] as? Int == 3)
        #expect(logs.lines.contains { $0.contains("7 lines of Caddy's traffic log did not parse") }, "\(logs.lines)")

        // The unfinished line is read once Caddy ends it; Caddy writes on, past 2^32 bytes too.
        let handle = try #require(FileHandle(forWritingAtPath: caddy.trafficLog))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((line("split.test").dropFirst(40) + "\n").utf8))
        try handle.write(contentsOf: Data((line("ok.test", size: 5_000_000_000) + "\n").utf8))
        try handle.close()
        let forwarded = try #require(DataPlaneHealth.probe(caddy.pipeline, catalog: caddy.catalog, target: LocalTarget(), forwardingTraffic: true))
        #expect(forwarded.traffic == nil)
        let read = try AgentMessage.TrafficReport(json: try #require(forwarded.trafficText))
        #expect(read.hosts.map(\.host) == ["ok.test", "split.test"] && read.refused == 0, "\(read)")
        #expect(read.hosts.first?.bytesOut == 5_000_000_000 && read.hosts.last?.total == 1)
    }
}

/// A stand-in for Caddy's admin API (`Tests/Fixtures/admin_socket.py`) that takes configs and
/// records what it was asked, with the `posternproxy.caddy` step pointed at it; the test writes
/// the traffic log Caddy would.
private struct StandInAdmin {
    let socket: String
    let trafficLog: String
    let config: [UInt8]
    let catalog: PluginCatalog
    let pipeline: PipelineDefinition
    private let server: ChildProcess

    init(in folder: TemporaryFolder) throws {
        socket = folder.file("admin.sock")
        let certificateLog = folder.file("logs/certificates.log")
        trafficLog = TrafficLog.file(certificateLog: certificateLog)
        try FileManager.default.createDirectory(atPath: folder.file("logs"), withIntermediateDirectories: true)
        server = try ChildProcess(["python3", TestEnvironment.fixture("admin_socket.py"), socket], in: folder.path, logName: "admin")
        let socket = socket
        try server.wait(until: { FileManager.default.fileExists(atPath: socket) }, what: "the stand-in Caddy")
        var catalog = PluginCatalog()
        catalog.add(
            file: try TestEnvironment.builtPlugin("PosternProxyCaddyL4"), loader: PluginLoader(host: HostIdentity(name: "tests", version: "0")))
        self.catalog = catalog
        config = try [UInt8](
            JSONSerialization.data(withJSONObject: ["admin_socket": socket, "http_port": 80, "https_port": 443, "certificate_log": certificateLog]))
        pipeline = PipelineDefinition(name: "apply", steps: [.init(plugin: "posternproxy.caddy", config: config)])
    }

    func stop() { server.stop() }

    /// Applies a state of one proxy host per list of names.
    @discardableResult
    func apply(names: [[String]]) async throws -> PipelineReport {
        let hosts = names.enumerated().map { index, domains -> [String: Any] in
            ["id": index + 1, "domain_names": domains, "forward_scheme": "http", "forward_host": "127.0.0.1", "forward_port": 9, "enabled": true]
        }
        let report = try await PipelineRunner(catalog: catalog).start(
            pipeline, input: Array(DesiredStateJSON.document(["proxy_hosts": hosts]).utf8), target: LocalTarget()
        ).report()
        #expect(report.status == .succeeded, "\(report)")
        return report
    }

    func probe() -> DataPlaneHealth? { DataPlaneHealth.probe(pipeline, catalog: catalog, target: LocalTarget()) }

    /// Each request it was sent, `POST /load`, `GET /config/@id`, ..., in the order they arrived.
    func requests() throws -> [String] {
        let answer = try LocalTarget().http(HTTPRequest(socketPath: socket, method: "GET", path: "/requests"))
        return try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String] ?? []
    }
}

extension CaddyTrafficTests {
    /// More hosts than one report carries are handed out in parts, each host once, without
    /// reading the log again until all of it went out.
    @Test func aLargeReadingIsReportedInPartsEachHostOnce() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let caddy = try StandInAdmin(in: folder)
        defer { caddy.stop() }
        try await caddy.apply(names: (0..<2_500).map { ["h\($0).test"] })
        func lines(times: Int) -> String {
            (0..<2_500).flatMap { index in
                let line =
                    #"{"logger":"\#(TrafficLog.lineLogger)","request":{"host":"h\#(index).test"},"#
                    + #""bytes_read":0,"duration":0.001,"size":2,"status":200}"#
                return Array(repeating: line, count: times * ((index % 3) + 1))
            }.joined(separator: "\n") + "\n"
        }
        try lines(times: 1).write(toFile: caddy.trafficLog, atomically: false, encoding: .utf8)

        var parts: [DataPlaneHealth] = []
        _ = await DataPlaneHealth.report(probe: { caddy.probe()! }) { parts.append($0) }
        #expect(parts.map { $0.traffic?.hosts.count ?? -1 } == [1_000, 1_000, 500])
        #expect(parts.map(\.moreTraffic) == [true, true, false])
        let hosts: [AgentMessage.HostTraffic] = parts.flatMap { $0.traffic?.hosts ?? [] }
        #expect(Set(hosts.map(\.host)).count == 2_500 && hosts.map(\.host) == hosts.map(\.host).sorted())
        // Every host's own count, in the later parts too.
        #expect(hosts.allSatisfy { $0.total == Int64($0.host.dropFirst().prefix { $0.isNumber })! % 3 + 1 })

        // The next report reads what Caddy wrote since: twice as much again, in parts.
        let handle = try #require(FileHandle(forWritingAtPath: caddy.trafficLog))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(lines(times: 2).utf8))
        try handle.close()
        parts = []
        _ = await DataPlaneHealth.report(probe: { caddy.probe()! }) { parts.append($0) }
        #expect(parts.map { $0.traffic?.hosts.count ?? -1 } == [1_000, 1_000, 500])
        let again: [AgentMessage.HostTraffic] = parts.flatMap { $0.traffic?.hosts ?? [] }
        #expect(again.allSatisfy { $0.total == 2 * (Int64($0.host.dropFirst().prefix { $0.isNumber })! % 3 + 1) })
    }

    /// A load sends the config and asks Caddy for nothing else (no counters to read first: the
    /// traffic log outlives the load). A stand-in admin API records what it was asked.
    @Test func anApplyAsksCaddyOnlyForItsConfigAndTheLoad() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let caddy = try StandInAdmin(in: folder)
        defer { caddy.stop() }
        try await caddy.apply(names: [["h1.test"]])
        let requests = try caddy.requests()
        #expect(requests.filter { $0 == "POST /load" }.count == 1, "\(requests)")
        #expect(requests.allSatisfy { $0 == "POST /load" || $0.hasPrefix("GET /config/") }, "\(requests)")
    }
}

/// Log lines a plugin call wrote, from its thread.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var lines: [String] { lock.withLock { stored } }
    func append(_ line: String) { lock.withLock { stored.append(line) } }
}
