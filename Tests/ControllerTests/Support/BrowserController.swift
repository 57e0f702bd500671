import Foundation
import Host
import Testing
import TestSupport

/// A controller for a browser test: its local server served by a real Caddy through the CaddyL4
/// plugin, the provisioning plugins beside it, listening on every address with `publicHost` in
/// its public URL; and the way to run one of the Playwright scripts in Tests/Browser/ against it.
final class BrowserController {
    let controller: ControllerProcess
    let httpPort: Int
    let password: String

    let httpsPort: Int

    /// `httpPort`/`httpsPort`: the local Caddy's ports (free ones when nil); `environment` adds
    /// or overrides the controller's variables.
    init(publicHost: String, httpPort: Int? = nil, httpsPort: Int? = nil, environment: [String: String] = [:]) throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.file("plugins"), withIntermediateDirectories: true)
        for plugin in ["PosternProxyCaddyL4", "PosternProxySSHProvisioner", "PosternProxyUFWHardening"] {
            try FileManager.default.copyItem(atPath: try TestEnvironment.builtPlugin(plugin), toPath: folder.file("plugins/lib\(plugin).so"))
        }
        let port = try FreePort.next()
        self.httpPort = try httpPort ?? FreePort.next()
        self.httpsPort = try httpsPort ?? FreePort.next()
        controller = try ControllerProcess(
            adminPassword: nil, folder: folder,
            extraEnvironment: [
                "POSTERNPROXY_LISTEN": "0.0.0.0:\(port)", "POSTERNPROXY_PUBLIC_URL": "http://\(publicHost):\(port)",
                "POSTERNPROXY_PUBLIC_URL_INSECURE": "yes",
                "POSTERNPROXY_APPLY_PIPELINE": "posternproxy.caddy", "POSTERNPROXY_PLUGINS_DIR": folder.file("plugins"),
                "POSTERNPROXY_HTTP_PORT": String(self.httpPort), "POSTERNPROXY_HTTPS_PORT": String(self.httpsPort),
                "POSTERNPROXY_AGENT_BUNDLE": "\(TestEnvironment.buildFolder)/agent-bundle",
            ].merging(environment) { $1 }, port: port)
        password = try #require(
            controller.output.split(separator: "\n").first { $0.contains("password:") }?
                .split(separator: ":").last?.trimmingCharacters(in: .whitespaces))
    }

    func remove() { controller.remove() }

    /// Runs `script` with the controller's address, the admin's login, Caddy's port and a fresh
    /// screenshot folder (under `.build/`) merged into `settings`; returns its output after
    /// expecting it to exit 0.
    func run(_ script: String, screenshots: String, settings: [String: Any]) async throws -> String {
        try await LocalBrowserScript.run(
            script, screenshots: screenshots,
            settings: [
                "url": "http://localhost:\(controller.port)", "email": ControllerProcess.adminEmail, "password": password,
                "caddy_port": httpPort, "caddy_https_port": httpsPort,
            ].merging(settings) { _, new in new })
    }

    /// The screenshots a script saved in `folder` (under `.build/`).
    func screenshots(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(TestEnvironment.packageRoot)/.build/\(folder)")) ?? [])
            .filter { $0.hasSuffix(".png") }
    }
}

/// A Playwright script in Tests/Browser/ run on this machine (the page's origin is localhost),
/// saving its screenshots under `.build/`.
enum LocalBrowserScript {
    /// Runs `script` with `settings` and a fresh screenshot folder (`screenshots`, under
    /// `.build/`) as its JSON argument, passing each line it prints to `onLine` as it comes;
    /// returns its output after expecting it to exit 0.
    static func run(
        _ script: String, screenshots: String, settings: [String: Any], onLine: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws -> String {
        let folder = "\(TestEnvironment.packageRoot)/.build/\(screenshots)"
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let argument = String(
            decoding: try JSONSerialization.data(withJSONObject: settings.merging(["screenshots": folder]) { _, new in new }), as: UTF8.self)
        let result = try await offThePool {
            try LocalTarget().run(
                TargetCommand(argv: ["python3", "\(TestEnvironment.packageRoot)/Tests/Browser/\(script)", argument], timeout: .seconds(300)),
                onLine: { line in onLine(line.text) }, isCancelled: { false })
        }
        let output = String(decoding: result.standardOutput, as: UTF8.self)
        #expect(result.exitStatus == 0, "\(output)\n\(String(decoding: result.standardError, as: UTF8.self).suffix(4000))")
        return output
    }
}
