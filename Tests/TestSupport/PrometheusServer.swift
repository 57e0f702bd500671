import Foundation

/// Debian's Prometheus server, scraping one target every second with a bearer token, its HTTP API
/// on a free loopback port and its data in a folder of the test's.
public final class PrometheusServer {
    public let port: Int
    private let process: ChildProcess

    public init(in folder: String, target: String, metricsPath: String = "/metrics", bearer: String) throws {
        port = try FreePort.next()
        let config = """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: posternproxy
                metrics_path: \(metricsPath)
                authorization:
                  type: Bearer
                  credentials: \(bearer)
                static_configs:
                  - targets: ['\(target)']

            """
        try config.write(toFile: "\(folder)/prometheus.yml", atomically: true, encoding: .utf8)
        process = try ChildProcess(
            [
                "prometheus", "--config.file=\(folder)/prometheus.yml", "--storage.tsdb.path=\(folder)/tsdb",
                "--web.listen-address=127.0.0.1:\(port)",
            ], in: folder, logName: "prometheus")
        let ready = URL(string: "http://127.0.0.1:\(port)/-/ready")!
        // Ready, not only listening: the query API answers 503 until the database has started.
        for _ in 0..<600 {
            if let text = try? String(contentsOf: ready, encoding: .utf8), text.contains("Ready") { return }
            usleep(100_000)
        }
        throw TestSetupError("prometheus did not become ready: \(process.output.suffix(2000))")
    }

    /// The value of an instant query's single result, or nil when it has none (yet), or the
    /// server does not answer the query now.
    public func value(of query: String) throws -> Double? {
        var components = URLComponents(string: "http://127.0.0.1:\(port)/api/v1/query")!
        components.queryItems = [URLQueryItem(name: "query", value: query)]
        guard let data = try? Data(contentsOf: components.url!) else { return nil }
        guard let answer = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let result = (answer["data"] as? [String: Any])?["result"] as? [[String: Any]], result.count == 1,
            let value = result[0]["value"] as? [Any], value.count == 2, let text = value[1] as? String
        else { return nil }
        return Double(text)
    }

    public var output: String { process.output }

    public func stop() { process.stop() }
}
