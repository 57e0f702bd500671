import Foundation
import Host
import TestSupport

/// A stand-in for Caddy's admin API (`Tests/Fixtures/metrics_socket.py`) whose metrics answers
/// are the given texts in turn, with the `posternproxy.caddy` step's pipeline pointed at it.
struct StandInCaddy {
    let socket: String
    let pipeline: PipelineDefinition
    let catalog: PluginCatalog
    private let server: ChildProcess

    /// Metrics text in which host `h<index>.test` served `counts[index]` requests, with the
    /// stand-in's reload time (`RELOADED`: the time of its last load).
    static func metrics(_ counts: [Int]) -> String {
        let lines = counts.enumerated().map { index, count in
            "caddy_http_request_duration_seconds_count{code=\"200\",handler=\"reverse_proxy\",host=\"h\(index).test\",server=\"srv0\"} \(count)"
        }
        return (["caddy_config_last_reload_success_timestamp_seconds RELOADED"] + lines).joined(separator: "\n") + "\n"
    }

    /// `holding`: the metrics answer (counted from 1) that sends its first half, then waits for
    /// a config load before the rest; 0 for none.
    init(answering texts: [String], holding: Int, in folder: TemporaryFolder) throws {
        let files = try texts.enumerated().map { index, text in try folder.write("metrics-\(index).txt", text) }
        socket = folder.file("admin.sock")
        server = try ChildProcess(
            ["python3", TestEnvironment.fixture("metrics_socket.py"), socket] + files, in: folder.path,
            environment: ["METRICS_HOLD": String(holding)], logName: "metrics")
        let socket = socket
        try server.wait(until: { FileManager.default.fileExists(atPath: socket) }, what: "the stand-in Caddy")
        var catalog = PluginCatalog()
        catalog.add(
            file: try TestEnvironment.builtPlugin("PosternProxyCaddyL4"), loader: PluginLoader(host: HostIdentity(name: "tests", version: "0")))
        self.catalog = catalog
        let config = try JSONSerialization.data(withJSONObject: [
            "admin_socket": socket, "http_port": 80, "https_port": 443, "storage_root": folder.file("storage"),
        ])
        pipeline = PipelineDefinition(name: "apply", steps: [.init(plugin: "posternproxy.caddy", config: [UInt8](config))])
    }

    func stop() { server.stop() }

    /// Applies a desired state of one proxy host named `host`; with `dryRun`, only plans it.
    func apply(host: String, dryRun: Bool = false) async throws -> PipelineReport {
        let proxyHost: [String: Any] = [
            "id": 1, "domain_names": [host], "forward_scheme": "http", "forward_host": "127.0.0.1", "forward_port": 9, "enabled": true,
        ]
        return try await PipelineRunner(catalog: catalog).start(
            pipeline, input: Array(DesiredStateJSON.document(["proxy_hosts": [proxyHost]]).utf8), target: LocalTarget(), dryRun: dryRun
        ).report()
    }

    /// The requests per host a health probe hands out, as the controller receives them.
    func reportedTotals() throws -> [String: Int] {
        guard let traffic = DataPlaneHealth.probe(pipeline, catalog: catalog, target: LocalTarget())?.traffic else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "the stand-in Caddy's traffic could not be read"])
        }
        var totals: [String: Int] = [:]
        for entry in traffic.hosts { totals[entry.host] = Int(entry.total) }
        return totals
    }

    /// `{"loads", "during_metrics"}`: how many configs were loaded, and how many of them while
    /// the held metrics answer waited.
    func loads() throws -> [String: Int] {
        let answer = try LocalTarget().http(HTTPRequest(socketPath: socket, method: "GET", path: "/loads"))
        return try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Int] ?? [:]
    }

    /// Each request it was sent, `GET /metrics`, `POST /load`, ..., in the order they arrived.
    func requests() throws -> [String] {
        let answer = try LocalTarget().http(HTTPRequest(socketPath: socket, method: "GET", path: "/requests"))
        return try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String] ?? []
    }
}
