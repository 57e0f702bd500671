import Foundation
import Host
import Testing
import TestSupport

/// The Caddy step's traffic meter: what each host served, read from Caddy's own per-host
/// metrics and handed out once, kept across config loads; hostile or broken metrics text is
/// skipped with a log line and never becomes a count.
@Suite struct CaddyTrafficTests {
    typealias State = DesiredStateJSON

    @Test func eachHostsRequestsAreHandedOutOnceAndSurviveAConfigLoad() async throws {
        let caddy = try CaddyServer()
        defer { caddy.stop() }
        let upstream = try TestUpstream("a", in: caddy.folder.path)
        defer { upstream.stop() }
        let plain = State.proxyHost(1, ["plain.test"], to: upstream)
        // With an access list the host has a route of its own, outside the shared one.
        let own = State.proxyHost(2, ["own.test"], to: upstream, ["block_exploits": true])
        try await caddy.apply(State.document(["proxy_hosts": [plain, own]]))
        let pipeline = PipelineDefinition(name: "apply", steps: [.init(plugin: "posternproxy.caddy", config: try caddy.stepConfig())])
        _ = DataPlaneHealth.probe(pipeline, catalog: caddy.catalog, target: LocalTarget())  // starts from Caddy's totals now

        for path in ["/", "/", "/status/404"] { #expect(try caddy.get(path, host: "plain.test").status > 0) }
        for path in ["/status/503", "/"] { #expect(try caddy.get(path, host: "own.test").status > 0) }
        // With a port the name is not one Caddy counts by: unattributed.
        _ = try HTTPProbe.request("/", host: "plain.test:\(caddy.httpPort)", port: caddy.httpPort)
        let first = try #require(DataPlaneHealth.probe(pipeline, catalog: caddy.catalog, target: LocalTarget())?.traffic)
        let byName = Dictionary(uniqueKeysWithValues: first.hosts.map { ($0.host, $0) })
        #expect(byName["plain.test"]?.requests == [0, 2, 0, 1, 0])
        #expect(byName["own.test"]?.requests == [0, 1, 0, 0, 1])
        #expect(byName["plain.test"]?.latency.reduce(0, +) == 3 && (byName["plain.test"]?.bytesOut ?? 0) > 0)
        #expect(first.unattributed == 1 && first.refused == 0)

        // Handed out once: nothing new, nothing reported.
        let second = try #require(DataPlaneHealth.probe(pipeline, catalog: caddy.catalog, target: LocalTarget())?.traffic)
        #expect(second.hosts.isEmpty && second.unattributed == 0)

        // Caddy counts from zero after each load: what it counted before is read first.
        _ = try caddy.get("/", host: "plain.test")
        try await caddy.apply(State.document(["revision": 2, "proxy_hosts": [plain, own, State.proxyHost(3, ["new.test"], to: upstream)]]))
        _ = try caddy.get("/", host: "plain.test")
        _ = try caddy.get("/", host: "new.test")
        let third = try #require(DataPlaneHealth.probe(pipeline, catalog: caddy.catalog, target: LocalTarget())?.traffic)
        let after = Dictionary(uniqueKeysWithValues: third.hosts.map { ($0.host, $0.total) })
        #expect(after == ["plain.test": 2, "new.test": 1])
    }

    @Test func malformedAndHostileMetricsLinesAreSkippedWithALogLine() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let labels = #"handler="reverse_proxy",method="GET",server="http""#
        let text = """
            # HELP caddy_http_request_duration_seconds How long it took.
            caddy_config_last_reload_success_timestamp_seconds 1.7e+09
            caddy_http_request_duration_seconds_count{code="200",\(labels),host="ok.test"} 4
            caddy_http_request_duration_seconds_bucket{code="200",\(labels),host="ok.test",le="0.005"} 3
            caddy_http_request_duration_seconds_bucket{code="200",\(labels),host="ok.test",le="+Inf"} 4
            caddy_http_response_size_bytes_sum{code="200",\(labels),host="ok.test"} 1200
            caddy_http_request_duration_seconds_count{code="500",\(labels),host="_other"} 2
            caddy_http_request_duration_seconds_count{code="200",\(labels),host="negative.test"} -7
            caddy_http_request_duration_seconds_count{code="200",\(labels),host="nan.test"} NaN
            caddy_http_request_duration_seconds_count{code="999",\(labels),host="code.test"} 1
            caddy_http_request_duration_seconds_count{code="200",\(labels),host="unclosed.test} 1
            caddy_http_request_duration_seconds_count{code="200",\(labels),host="escaped\\"quote{http.request.uri}"} 1
            caddy_http_request_duration_seconds_count{code="200",\(labels),host="huge.test"} 1e300
            caddy_http_request_duration_seconds_count garbage here and more
            caddy_http_request_duration_seconds_count{code="200",\(labels)} 5
            """
        let metrics = try folder.write("metrics.txt", text)
        let socket = folder.file("admin.sock")
        let server = try ChildProcess(
            ["python3", TestEnvironment.fixture("metrics_socket.py"), socket, metrics], in: folder.path, logName: "metrics")
        defer { server.stop() }
        try server.wait(until: { FileManager.default.fileExists(atPath: socket) }, what: "the metrics socket")
        var catalog = PluginCatalog()
        catalog.add(
            file: try TestEnvironment.builtPlugin("PosternProxyCaddyL4"), loader: PluginLoader(host: HostIdentity(name: "tests", version: "0")))
        let plugin = try #require(catalog.plugin(id: "posternproxy.caddy"))
        let config = try [UInt8](JSONSerialization.data(withJSONObject: ["admin_socket": socket, "http_port": 80, "https_port": 443]))
        let logs = LogLines()
        let answer = try plugin.describe(
            config: config, input: Array(#"{"health":true,"traffic":true}"#.utf8), target: LocalTarget(), onLog: { logs.append($0.message) })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(answer)) as? [String: Any])
        let traffic = try #require(object["traffic"] as? [String: Any])
        let hosts = try #require(traffic["hosts"] as? [[Any]])
        // Only well-formed lines with host names reach the report (a label with quotes and
        // braces does not). Each host: [name, 5 classes, in, out, 12 buckets].
        #expect(hosts.compactMap { $0.first as? String } == ["ok.test"])
        let ok = try #require(hosts.first { $0.first as? String == "ok.test" }).dropFirst().compactMap { $0 as? Int }
        #expect(Array(ok[0..<5]) == [0, 4, 0, 0, 0] && ok[6] == 1200 && ok.count == 19)
        #expect(ok[7] == 3 && ok[18] == 1)
        #expect(traffic["unattributed"] as? Int == 2)
        #expect(logs.lines.contains { $0.contains("8 lines of Caddy's metrics did not parse") }, "\(logs.lines)")

        // Caddy counts on, and serves hosts it did not before (one sorting before the known
        // one, one after): the change is handed out, read back as the controller reads it.
        let added = ["a-first.test": 5, "z-last.test": 1].map { host, count in
            #"caddy_http_request_duration_seconds_count{code="200",\#(labels),host="\#(host)"} \#(count)"#
        }
        try
            (text.replacingOccurrences(of: "host=\"ok.test\"} 4", with: "host=\"ok.test\"} 6")
            .replacingOccurrences(of: "uri}\"} 1", with: "uri}\"} 3") + "\n" + added.joined(separator: "\n"))
            .write(toFile: metrics, atomically: true, encoding: .utf8)
        let pipeline = PipelineDefinition(name: "apply", steps: [.init(plugin: "posternproxy.caddy", config: config)])
        let report = try #require(DataPlaneHealth.probe(pipeline, catalog: catalog, target: LocalTarget())?.traffic)
        #expect(report.hosts.map(\.host) == ["a-first.test", "ok.test", "z-last.test"] && report.refused == 0, "\(report)")
        #expect(report.hosts.map(\.total) == [5, 2, 1])

        // Once more, as an agent forwards it: only what changed since (ok.test's 6 → 9, and
        // bytes out past 2^32, kept between readings as a number of five bytes).
        try text.replacingOccurrences(of: "host=\"ok.test\"} 4", with: "host=\"ok.test\"} 9")
            .replacingOccurrences(of: "host=\"ok.test\"} 1200", with: "host=\"ok.test\"} 5000001200")
            .write(toFile: metrics, atomically: true, encoding: .utf8)
        let forwarded = try #require(DataPlaneHealth.probe(pipeline, catalog: catalog, target: LocalTarget(), forwardingTraffic: true))
        #expect(forwarded.traffic == nil)
        let read = try AgentMessage.TrafficReport(json: try #require(forwarded.trafficText))
        #expect(read.hosts.map(\.host) == ["ok.test"] && read.hosts.first?.total == 3 && read.refused == 0, "\(read)")
        #expect(read.hosts.first?.bytesOut == 5_000_000_000)
    }
}

extension CaddyTrafficTests {
    /// A reading of more hosts than one report carries is handed out in parts, each host once,
    /// without reading Caddy again until all of it went out.
    @Test func aLargeReadingIsReportedInPartsEachHostOnce() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        func text(scale: Int) -> String {
            let lines = (0..<2_500).map { index in
                #"caddy_http_request_duration_seconds_count{code="200",handler="reverse_proxy",host="h\#(index).test",server="srv0"} \#(scale * (index + 1))"#
            }
            return "caddy_config_last_reload_success_timestamp_seconds 1.7e+09\n" + lines.joined(separator: "\n") + "\n"
        }
        let first = try folder.write("first.txt", text(scale: 1))
        let second = try folder.write("second.txt", text(scale: 3))
        let socket = folder.file("admin.sock")
        let server = try ChildProcess(
            ["python3", TestEnvironment.fixture("metrics_socket.py"), socket, first, second], in: folder.path, logName: "metrics")
        defer { server.stop() }
        try server.wait(until: { FileManager.default.fileExists(atPath: socket) }, what: "the metrics socket")
        var catalog = PluginCatalog()
        catalog.add(
            file: try TestEnvironment.builtPlugin("PosternProxyCaddyL4"), loader: PluginLoader(host: HostIdentity(name: "tests", version: "0")))
        let config = try [UInt8](JSONSerialization.data(withJSONObject: ["admin_socket": socket, "http_port": 80, "https_port": 443]))
        let pipeline = PipelineDefinition(name: "apply", steps: [.init(plugin: "posternproxy.caddy", config: config)])

        var parts: [DataPlaneHealth] = []
        _ = await DataPlaneHealth.report(probe: { DataPlaneHealth.probe(pipeline, catalog: catalog, target: LocalTarget())! }) { parts.append($0) }
        #expect(parts.map { $0.traffic?.hosts.count ?? -1 } == [1_000, 1_000, 500])
        #expect(parts.map(\.moreTraffic) == [true, true, false])
        let hosts: [AgentMessage.HostTraffic] = parts.flatMap { $0.traffic?.hosts ?? [] }
        #expect(Set(hosts.map(\.host)).count == 2_500 && hosts.map(\.host) == hosts.map(\.host).sorted())
        #expect(hosts.first { $0.host == "h41.test" }?.total == 42)
        // Every host's own count, in the later parts too.
        #expect(hosts.allSatisfy { $0.total == Int64($0.host.dropFirst().prefix { $0.isNumber })! + 1 })

        // The next report reads Caddy again (its second text): twice as much again, in parts.
        parts = []
        _ = await DataPlaneHealth.report(probe: { DataPlaneHealth.probe(pipeline, catalog: catalog, target: LocalTarget())! }) { parts.append($0) }
        #expect(parts.map { $0.traffic?.hosts.count ?? -1 } == [1_000, 1_000, 500])
        let again: [AgentMessage.HostTraffic] = parts.flatMap { $0.traffic?.hosts ?? [] }
        #expect(again.first { $0.host == "h41.test" }?.total == 84)
        #expect(again.allSatisfy { $0.total == 2 * (Int64($0.host.dropFirst().prefix { $0.isNumber })! + 1) })
    }
}

/// Log lines a plugin call wrote, from its thread.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var lines: [String] { lock.withLock { stored } }
    func append(_ line: String) { lock.withLock { stored.append(line) } }
}

extension CaddyTrafficTests {
    /// Apply sends the load once Caddy's answer has begun (Caddy has taken every counter's
    /// value by then), not after the whole text: with 10,000 hosts that served traffic that text
    /// is tens of megabytes, a second or more to write and read. The stand-in Caddy holds the
    /// second half of its metrics until a load arrives; the counts it had still reach the next
    /// report.
    @Test func theLoadGoesOutWhileCaddyGathersItsMetrics() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // Before the load 900 hosts served two requests each; after it Caddy counts from zero.
        let caddy = try StandInCaddy(
            answering: [StandInCaddy.metrics(Array(repeating: 2, count: 900)), StandInCaddy.metrics([])], holding: 1, in: folder)
        defer { caddy.stop() }

        let report = try await caddy.apply(host: "h1.test")
        #expect(report.status == .succeeded, "\(report)")
        // A load sent after the whole text would have come once the stand-in's hold ran out.
        #expect(try caddy.loads() == ["loads": 1, "during_metrics": 1])
        let totals = try caddy.reportedTotals()
        #expect(totals.count == 900 && totals.values.allSatisfy { $0 == 2 }, "\(totals.prefix(3))")
    }

    /// The plan asks for Caddy's metrics before it asks anything else, so Caddy gathers them
    /// while the plan renders, and the apply reads that answer: one metrics request for the
    /// load, sent before the plan's own request and answered (its first half) before the load.
    @Test func thePlanAsksForTheMetricsAndTheApplyReadsThemAtTheLoad() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let caddy = try StandInCaddy(
            answering: [StandInCaddy.metrics(Array(repeating: 3, count: 20)), StandInCaddy.metrics([])], holding: 1, in: folder)
        defer { caddy.stop() }

        let report = try await caddy.apply(host: "h1.test")
        #expect(report.status == .succeeded, "\(report)")
        let requests = try caddy.requests()
        #expect(requests.first == "GET /metrics", "\(requests)")
        #expect(requests.filter { $0 == "GET /metrics" }.count == 1 && requests.contains("POST /load"), "\(requests)")
        #expect(try caddy.loads() == ["loads": 1, "during_metrics": 1])
        let totals = try caddy.reportedTotals()
        #expect(totals.count == 20 && totals.values.allSatisfy { $0 == 3 }, "\(totals.prefix(3))")
    }

    /// The reading at a load counts what Caddy served since the reading before it, once, and
    /// the reading after the load counts from zero. (The stand-in Caddy holds the rest of the
    /// apply's reading until the load, as a Caddy with many busy hosts.)
    @Test func aReadingAtALoadCountsOnceAndTheNextCountsFromZero() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let caddy = try StandInCaddy(
            answering: [StandInCaddy.metrics([2, 2, 2]), StandInCaddy.metrics([3, 3, 2]), StandInCaddy.metrics([1])], holding: 2, in: folder)
        defer { caddy.stop() }

        #expect(try caddy.reportedTotals() == ["h0.test": 2, "h1.test": 2, "h2.test": 2])
        let report = try await caddy.apply(host: "h0.test")
        #expect(report.status == .succeeded, "\(report)")
        // h0 and h1 served one more request each before the load, h0 one after it.
        #expect(try caddy.reportedTotals() == ["h0.test": 2, "h1.test": 1])
    }

    /// A dry run's plan asks for Caddy's metrics as any plan does, but no apply reads that
    /// answer: the next health report still reads Caddy at once, and counts against the
    /// reading before the dry run (the dry run's own answer is let go).
    @Test func aDryRunsAskedReadingHoldsNoReportBack() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let caddy = try StandInCaddy(
            answering: [StandInCaddy.metrics([2, 2]), StandInCaddy.metrics([3, 2]), StandInCaddy.metrics([5, 3])], holding: 0, in: folder)
        defer { caddy.stop() }

        #expect(try caddy.reportedTotals() == ["h0.test": 2, "h1.test": 2])
        let report = try await caddy.apply(host: "h0.test", dryRun: true)
        #expect(report.status == .succeeded && report.dryRun, "\(report)")
        let requests = try caddy.requests()
        #expect(requests.filter { $0 == "GET /metrics" }.count == 2, "the dry run's plan asked: \(requests)")
        // Waiting for the dry run's reading, this report would hand out nothing.
        #expect(try caddy.reportedTotals() == ["h0.test": 3, "h1.test": 1])
        #expect(try caddy.loads() == ["loads": 0, "during_metrics": 0])
    }
}
