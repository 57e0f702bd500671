// Data-plane benchmark, in one run:
//  1. render time of 1, 1,000 and 10,000 proxy hosts (target under 50 ms at 10,000);
//  2. time from "apply" (the caddy step's plan + apply + verify through the plugin ABI) to the
//     new route answering, against Caddy's own POST /load of the same JSON to the route
//     answering (target: at most 1.2x).
//
// Usage: DataPlaneBenchmark CADDY_PLUGIN_SO [ITERATIONS]   (needs `caddy` on PATH)

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

func state(hosts: Int, upstreamPort: Int, extra: Int? = nil) -> Data {
    var items = (1...max(hosts, 1)).map { id in
        #"{"id": \#(id), "domain_names": ["app\#(id).bench.test"], "forward_host": "127.0.0.1", "forward_port": \#(upstreamPort)}"#
    }
    if let extra { items.append(#"{"id": \#(1_000_000 + extra), "domain_names": ["new\#(extra).bench.test"], "forward_host": "127.0.0.1", "forward_port": \#(upstreamPort)}"#) }
    return Data(#"{"revision": 1, "proxy_hosts": [\#(items.joined(separator: ","))]}"#.utf8)
}

func median(_ samples: [Duration]) -> Duration { samples.sorted()[samples.count / 2] }
func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15 }

// 1. Render time.
print("== render time (decode desired state, render, serialize)")
for hosts in [1, 1_000, 10_000] {
    let input = state(hosts: hosts, upstreamPort: 8080)
    let rounds = max(3, iterations / (hosts >= 10_000 ? 4 : 1))
    let total = try (0..<rounds).map { _ in
        try clock.measure { _ = try CaddyRenderer.render(input: input, settings: Data("{}".utf8)) }
    }
    var decoded: DesiredState?
    let decode = try (0..<rounds).map { _ in try clock.measure { decoded = try DesiredState.reading(input) } }
    var result: RenderResult?
    let render = (0..<rounds).map { _ in clock.measure { result = CaddyRenderer.render(decoded!, settings: RenderSettings()) } }
    let serialize = (0..<rounds).map { _ in clock.measure { _ = result!.serialized() } }
    print(String(format: "%6d hosts: median %8.2f ms (decode %.2f, render %.2f, serialize %.2f)", hosts, ms(median(total)),
                 ms(median(decode)), ms(median(render)), ms(median(serialize))))
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
caddy.environment = ["HOME": folder, "XDG_CONFIG_HOME": folder, "XDG_DATA_HOME": folder, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"]
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

let settings = try JSONSerialization.data(withJSONObject: ["admin_socket": socket, "http_port": httpPort, "grace_period_seconds": 1,
                                                             "modules": ["http"]])
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

let hosts = 100
var renderSettings = RenderSettings()
renderSettings.adminSocket = socket
renderSettings.httpPort = httpPort
renderSettings.gracePeriodSeconds = 1
var applySamples: [Duration] = [], loadSamples: [Duration] = []
var phaseSamples: [String: [Duration]] = [:]
var directLoadSamples: [Duration] = []
var phaseOrder: [String] = []
var change = 0

/// One change through PosternProxy: plan (render, tag check), apply (POST /load), verify, then
/// until the new host answers.
@MainActor func applyThroughPlugin() async throws -> Duration {
    change += 1
    let host = "new\(change).bench.test"
    let input = state(hosts: hosts, upstreamPort: upstreamPort, extra: change)
    var phases: [(String, ContinuousClock.Instant)] = [("start", clock.now)]
    let duration = try await clock.measure {
        let run = try runner.start(pipeline, input: input, target: target)
        for await event in run.events {
            if case .phaseStarted(_, let phase) = event { phases.append((phase.rawValue, clock.now)) }
        }
        phases.append(("report", clock.now))
        let report = await run.report()
        guard report.status == .succeeded else { fatalError("apply failed: \(report.status)") }
        phases.append(("answer", clock.now))
        waitUntilAnswers(host)
        phases.append(("end", clock.now))
    }
    for (phase, next) in zip(phases, phases.dropFirst()) {
        if phaseSamples[phase.0] == nil { phaseOrder.append(phase.0) }
        phaseSamples[phase.0, default: []].append(next.1 - phase.1)
    }
    return duration
}

/// The same kind of change as Caddy's own POST /load of the rendering, until the host answers.
@MainActor func loadDirectly() throws -> Duration {
    change += 1
    let host = "new\(change).bench.test"
    let config = Data(CaddyRenderer.render(try DesiredState.reading(state(hosts: hosts, upstreamPort: upstreamPort, extra: change)),
                                           settings: renderSettings).serialized())
    var loaded = clock.now
    let duration = try clock.measure {
        let response = try target.http(HTTPRequest(socketPath: socket, method: "POST", path: "/load", contentType: "application/json", body: config))
        guard response.status == 200 else { fatalError("load failed: \(String(decoding: response.body, as: UTF8.self))") }
        loaded = clock.now
        waitUntilAnswers(host)
    }
    directLoadSamples.append(duration - (clock.now - loaded))
    return duration
}

// Blocks of five changes each way, alternating, so drift affects both alike. Each block through
// PosternProxy starts from a config it loaded itself (an unmeasured change), as in production,
// where nothing else loads Caddy's config.
let block = 5
for _ in 0..<max(1, iterations / block) {
    _ = try await applyThroughPlugin()
    for _ in 0..<block { applySamples.append(try await applyThroughPlugin()) }
    for _ in 0..<block { loadSamples.append(try loadDirectly()) }
}
let spans = phaseOrder.map { String(format: "%@ %.2f ms", $0, ms(median(phaseSamples[$0]!))) }
print("apply by phase (medians): " + spans.joined(separator: ", "))
print("== apply to answer, \(hosts) proxy hosts, \(applySamples.count) changes each")
print(String(format: "Caddy's own /load: median %.2f ms (the POST itself %.2f ms)", ms(median(loadSamples)), ms(median(directLoadSamples))))
print(String(format: "PosternProxy apply: median %.2f ms", ms(median(applySamples))))
print(String(format: "ratio apply/load: %.3f (target <= 1.2)", ms(median(applySamples)) / ms(median(loadSamples))))
