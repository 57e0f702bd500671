import Foundation
import TestSupport
import Host

/// A real Caddy started by the test, its admin API on a unix socket, its state in a folder of
/// its own; desired states are applied to it through the real `posternproxy.caddy` plugin.
final class CaddyServer {
    let folder: TemporaryFolder
    let adminSocket: String
    let httpPort: Int
    let httpsPort: Int
    private let child: ChildProcess
    let runner: PipelineRunner
    /// The real `posternproxy.caddy` plugin and the `extraPlugins`.
    var catalog: PluginCatalog { runner.catalog }

    init(extraPlugins: [String] = []) throws {
        folder = try TemporaryFolder()
        adminSocket = folder.file("admin.sock")
        httpPort = try FreePort.next()
        httpsPort = try FreePort.next()
        let initial = try folder.write("initial.json", #"{"admin": {"listen": "unix/\#(adminSocket)"}}"#)
        child = try ChildProcess(
            ["caddy", "run", "--config", initial], in: folder.path,
            environment: ["HOME": folder.path, "XDG_CONFIG_HOME": folder.file("config"), "XDG_DATA_HOME": folder.file("data")],
            logName: "caddy")
        let socket = adminSocket
        try child.wait(until: { FileManager.default.fileExists(atPath: socket) }, what: "caddy")
        var catalog = PluginCatalog()
        for file in try [TestEnvironment.builtPlugin("PosternProxyCaddyL4")] + extraPlugins {
            catalog.add(file: file, loader: PluginLoader(host: HostIdentity(name: "posternproxy-tests", version: "0")))
        }
        runner = PipelineRunner(catalog: catalog)
    }

    /// The caddy step's config for this Caddy, with `extra` members added.
    func stepConfig(_ extra: [String: Any] = [:]) throws -> [UInt8] {
        let base: [String: Any] = [
            "admin_socket": adminSocket, "http_port": httpPort, "https_port": httpsPort,
            "storage_root": folder.file("storage"), "grace_period_seconds": 1,
        ]
        return try [UInt8](JSONSerialization.data(withJSONObject: base.merging(extra) { $1 }))
    }

    /// Runs the apply pipeline `[posternproxy.caddy]` (and `after`, steps of `extraPlugins`)
    /// with `state` (desired state JSON).
    @discardableResult
    func apply(_ state: String, settings extra: [String: Any] = [:], after: [PipelineDefinition.Step] = []) async throws -> PipelineReport {
        let steps = [PipelineDefinition.Step(plugin: "posternproxy.caddy", config: try stepConfig(extra))] + after
        return try await runner.start(PipelineDefinition(name: "apply", steps: steps), input: Array(state.utf8), target: LocalTarget()).report()
    }

    /// The per-resource results the caddy step reported in its last apply.
    static func resourceResults(_ report: PipelineReport) -> [String: [String: String]] {
        guard let journal = report.steps.first?.result,
            let object = try? JSONSerialization.jsonObject(with: Data(journal)) as? [String: Any]
        else { return [:] }
        return object["resource_results"] as? [String: [String: String]] ?? [:]
    }

    func get(_ path: String, host: String, headers: [String: String] = [:], user: String? = nil) throws -> HTTPProbe.Answer {
        try HTTPProbe.request(path, host: host, port: httpPort, headers: headers, user: user)
    }

    func stop() {
        child.stop()
        folder.remove()
    }
}
