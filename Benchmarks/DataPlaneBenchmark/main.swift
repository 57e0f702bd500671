// Data-plane benchmark, in one run:
//  1. render time of 1, 1,000 and 10,000 proxy hosts (target under 50 ms at 10,000);
//  2. time from starting an apply (the caddy step's plan + apply + verify through the plugin
//     ABI) until the new route first answers, against Caddy's own POST /load of the same JSON
//     until the route first answers (target: at most 1.2x). In both, the route is probed from
//     the start, as a user waiting for it would; the time to the pipeline's verified report is
//     printed beside it.
//
// Usage: DataPlaneBenchmark CADDY_PLUGIN_SO [ITERATIONS] [HOSTS]   (needs `caddy` on PATH)

import CaddyL4Rendering
import Foundation
import Host

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: DataPlaneBenchmark CADDY_PLUGIN_SO [ITERATIONS]\n".utf8))
    exit(2)
}
let iterations = arguments.count > 2 ? Int(arguments[2]) ?? 20 : 20
let clock = ContinuousClock()

/// A proxy host as the controller sends it after an API create with only a name and an upstream:
/// every member the API stores, with its default, in canonical order.
func proxyHost(id: Int, name: String, upstreamPort: Int) -> String {
    #"{"access_log":false,"allow_reserved_upstream":false,"allow_websocket_upgrade":true,"block_exploits":false,"caching_enabled":false,"#
        + #""domain_names":["\#(name)"],"enabled":true,"error_pages":{},"forward_host":"127.0.0.1","forward_port":\#(upstreamPort),"#
        + #""forward_scheme":"http","forward_weight":1,"headers":[],"health_check":{"active_enabled":false,"expect_status":200,"#
        + #""fail_duration_seconds":30,"interval_seconds":30,"max_fails":3,"passive_enabled":false,"path":"/","timeout_seconds":5,"#
        + #""unhealthy_latency_ms":0},"hsts_enabled":false,"hsts_subdomains":false,"http2_support":true,"http3_support":true,"id":\#(id),"#
        + #""load_balancing":"round_robin","locations":[],"ssl_forced":false,"tls_passthrough":false,"upstreams":[]}"#
}

func state(hosts: Int, upstreamPort: Int, extra: Int? = nil) -> [UInt8] {
    var items = (1...max(hosts, 1)).map { id in proxyHost(id: id, name: "app\(id).bench.test", upstreamPort: upstreamPort) }
    if let extra { items.append(proxyHost(id: 1_000_000 + extra, name: "new\(extra).bench.test", upstreamPort: upstreamPort)) }
    return [UInt8](#"{"revision": 1, "proxy_hosts": [\#(items.joined(separator: ","))]}"#.utf8)
}

func median(_ samples: [Duration]) -> Duration { samples.sorted()[samples.count / 2] }
func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15 }

// 1. Render time.
print("== render time (decode desired state, render, serialize)")
for hosts in [1, 1_000, 10_000] {
    let input = state(hosts: hosts, upstreamPort: 8080)
    let rounds = max(3, iterations / (hosts >= 10_000 ? 4 : 1))
    let total = try (0..<rounds).map { _ in
        try clock.measure { _ = try CaddyRenderer.render(input: input, settings: Array("{}".utf8)) }
    }
    var decoded: DesiredState?
    let decode = try (0..<rounds).map { _ in try clock.measure { decoded = try DesiredState.reading(input) } }
    var result: RenderResult?
    let render = (0..<rounds).map { _ in clock.measure { result = CaddyRenderer.render(decoded!, settings: RenderSettings()) } }
    let serialize = (0..<rounds).map { _ in clock.measure { _ = result!.serialized() } }
    // The controller's own server keeps the last state read: a plan after one change decodes one host.
    let reader = DesiredStateReader()
    _ = try reader.read(input)
    let changed = state(hosts: hosts, upstreamPort: 8080, extra: 1)
    let keptDecode = try (0..<rounds).map { round in try clock.measure { _ = try reader.read(round % 2 == 0 ? changed : input) } }
    // And renders with the previous render's pieces (RenderMemo), told by the reader which hosts
    // it kept, as the Caddy step's plan does.
    let memo = RenderMemo()
    let first = try input.withUnsafeBytes { try reader.readTracing($0) }
    _ = CaddyRenderer.render(first.state, settings: RenderSettings(), memo: memo, lineage: first.lineage)
    var keptRender: [Duration] = []
    var keptSerialize: [Duration] = []
    for round in 0..<rounds {
        let read = try (round % 2 == 0 ? changed : input).withUnsafeBytes { try reader.readTracing($0) }
        var rendered: RenderResult?
        keptRender.append(
            clock.measure { rendered = CaddyRenderer.render(read.state, settings: RenderSettings(), memo: memo, lineage: read.lineage) })
        keptSerialize.append(clock.measure { _ = rendered!.serialized() })
    }
    print(
        String(
            format:
                "%6d hosts: median %8.2f ms (decode %.2f, render %.2f, serialize %.2f; after one change, state and pieces kept: decode %.2f, render %.2f, serialize %.2f)",
            hosts, ms(median(total)), ms(median(decode)), ms(median(render)), ms(median(serialize)), ms(median(keptDecode)),
            ms(median(keptRender)), ms(median(keptSerialize))))
}

// 2. Apply-to-answer against Caddy's own /load.
let folder = NSTemporaryDirectory() + "posternproxy-bench-" + UUID().uuidString
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: folder) }
let socket = "\(folder)/admin.sock"
let httpPort = 18_000 + Int.random(in: 0..<1000)
try Data(#"{"admin": {"listen": "unix/\#(socket)"}}"#.utf8).write(to: URL(fileURLWithPath: "\(folder)/initial.json"))
let caddy = Process()
caddy.executableURL = URL(fileURLWithPath: "/usr/bin/env")
caddy.arguments = ["caddy", "run", "--config", "\(folder)/initial.json"]
caddy.environment = [
    "HOME": folder, "XDG_CONFIG_HOME": folder, "XDG_DATA_HOME": folder, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin",
]
caddy.standardOutput = FileHandle.nullDevice
caddy.standardError = FileHandle.nullDevice
try caddy.run()
defer { caddy.terminate() }
while !FileManager.default.fileExists(atPath: socket) { usleep(10_000) }

/// The HTTP status a GET for `host` gets from 127.0.0.1:`httpPort`, or nil.
func status(host: String) -> Int? {
    let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(httpPort).bigEndian
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { return nil }
    let request = "GET / HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n"
    _ = request.withCString { send(fd, $0, strlen($0), 0) }
    var buffer = [UInt8](repeating: 0, count: 64)
    let n = recv(fd, &buffer, buffer.count, 0)
    guard n > 12 else { return nil }
    return Int(String(decoding: buffer[9..<12], as: UTF8.self))
}

func waitUntilAnswers(_ host: String) {
    while status(host: host) != 200 { usleep(200) }
}

let settings = try [UInt8](
    JSONSerialization.data(withJSONObject: [
        "admin_socket": socket, "http_port": httpPort, "grace_period_seconds": 1,
        "modules": ["http"], "keep_state_up_to_kib": 1 << 20,
    ]))
var catalog = PluginCatalog()
catalog.add(file: arguments[1], loader: PluginLoader(host: HostIdentity(name: "posternproxy-benchmark", version: HostIdentity.productVersion)))
let runner = PipelineRunner(catalog: catalog)
let pipeline = PipelineDefinition(name: "apply", steps: [PipelineDefinition.Step(plugin: "posternproxy.caddy", config: settings)])
let target = LocalTarget()

// Every route proxies to one static upstream (`caddy respond`), so a new route answers 200
// exactly when it is live (unknown hosts get the catch-all's 404).
let upstreamPort = httpPort + 1
let staticUpstream = Process()
staticUpstream.executableURL = URL(fileURLWithPath: "/usr/bin/env")
staticUpstream.arguments = ["caddy", "respond", "--listen", "127.0.0.1:\(upstreamPort)", "ok"]
staticUpstream.standardOutput = FileHandle.nullDevice
staticUpstream.standardError = FileHandle.nullDevice
try staticUpstream.run()
defer { staticUpstream.terminate() }
usleep(500_000)

/// Hosts in the desired state of the apply-to-answer part [100].
let hosts = arguments.count > 3 ? Int(arguments[3]) ?? 100 : 100
var renderSettings = RenderSettings()
renderSettings.adminSocket = socket
renderSettings.httpPort = httpPort
renderSettings.gracePeriodSeconds = 1
var change = 0

/// What one change took, from its start: until the new route first answered, and (through
/// PosternProxy) until the pipeline reported it verified, or (Caddy's own) until the POST
/// returned.
struct Timing {
    var answer: Duration
    var finished: Duration
}

/// One change through the pipeline `[posternproxy.caddy]` (plan, apply, verify through the
/// ABI), run as production runs it: nobody reads the run's events. The new route is probed from
/// the start, so its first answer is timed as a user would see it, not after verify.
@MainActor func applyThroughPlugin() async throws -> Timing {
    change += 1
    let host = "new\(change).bench.test"
    let input = state(hosts: hosts, upstreamPort: upstreamPort, extra: change)
    let start = clock.now
    let run = try runner.start(pipeline, input: input, target: target)
    waitUntilAnswers(host)
    let answered = clock.now
    let report = await run.report()
    guard report.status == .succeeded else { fatalError("apply failed: \(report.status)") }
    return Timing(answer: answered - start, finished: clock.now - start)
}

/// One unmeasured change whose events are read as they come, for the time each phase takes.
var phaseSamples: [String: [Duration]] = [:]
var phaseOrder: [String] = []
@MainActor func recordPhases() async throws {
    change += 1
    let input = state(hosts: hosts, upstreamPort: upstreamPort, extra: change)
    var marks: [(String, ContinuousClock.Instant)] = [("start", clock.now)]
    let run = try runner.start(pipeline, input: input, target: target)
    for await event in run.events {
        if case .phaseStarted(_, let phase) = event { marks.append((phase.rawValue, clock.now)) }
    }
    marks.append(("report", clock.now))
    for (phase, next) in zip(marks, marks.dropFirst()) {
        if phaseSamples[phase.0] == nil { phaseOrder.append(phase.0) }
        phaseSamples[phase.0, default: []].append(next.1 - phase.1)
    }
}

/// The answer to a POST made on another thread, while the main thread probes the new route.
final class Posting: @unchecked Sendable {
    var response: Result<HTTPResponse, TargetError>?
    var start = clock.now, end = clock.now
    let done = DispatchSemaphore(value: 0)
}

/// The same kind of change as Caddy's own POST /load of the rendering, the new route probed from
/// the start in the same way.
@MainActor func loadDirectly() throws -> Timing {
    change += 1
    let host = "new\(change).bench.test"
    let config = [UInt8](
        CaddyRenderer.render(
            try DesiredState.reading(state(hosts: hosts, upstreamPort: upstreamPort, extra: change)),
            settings: renderSettings
        ).serialized())
    let posting = Posting()
    Thread {
        // Timed from here, not from the thread's start, so Caddy's time holds no thread start-up.
        posting.start = clock.now
        posting.response = Result { () throws(TargetError) in
            try target.http(HTTPRequest(socketPath: socket, method: "POST", path: "/load", contentType: "application/json", body: config))
        }
        posting.end = clock.now
        posting.done.signal()
    }.start()
    waitUntilAnswers(host)
    let answered = clock.now
    posting.done.wait()
    guard case .success(let response)? = posting.response, response.status == 200 else {
        fatalError("load failed: \(String(describing: posting.response))")
    }
    return Timing(answer: answered - posting.start, finished: posting.end - posting.start)
}

// Blocks of five changes each way, alternating, so drift affects both alike. Each block through
// PosternProxy starts from a config it loaded itself (an unmeasured change), as in production,
// where nothing else loads Caddy's config; one more unmeasured change records the phases.
let block = 5
var applied: [Timing] = [], loaded: [Timing] = []
for _ in 0..<max(1, iterations / block) {
    _ = try await applyThroughPlugin()
    for _ in 0..<block { applied.append(try await applyThroughPlugin()) }
    try await recordPhases()
    for _ in 0..<block { loaded.append(try loadDirectly()) }
}
let spans = phaseOrder.map { String(format: "%@ %.2f ms", $0, ms(median(phaseSamples[$0]!))) }
print("apply by phase (medians, unmeasured changes whose events were read): " + spans.joined(separator: ", "))
print("== apply to answer, \(hosts) proxy hosts, \(applied.count) changes each, the new route probed from the start")
let load = median(loaded.map(\.answer)), apply = median(applied.map(\.answer))
print(String(format: "Caddy's own /load: median %.2f ms to answer (the POST itself %.2f ms)", ms(load), ms(median(loaded.map(\.finished)))))
print(String(format: "PosternProxy apply: median %.2f ms to answer (to the verified report %.2f ms)", ms(apply), ms(median(applied.map(\.finished)))))
print(String(format: "ratio apply/load to answer: %.3f (target <= 1.2)", ms(apply) / ms(load)))
print(String(format: "ratio of the verified report to Caddy's answer: %.3f", ms(median(applied.map(\.finished))) / ms(load)))
