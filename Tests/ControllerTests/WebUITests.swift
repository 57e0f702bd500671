import Foundation
import Host
import Testing
import TestSupport

/// The web UI in Debian's Chromium driven by Playwright (Tests/Browser/ui_walkthrough.py),
/// against a real controller serving its local server through a real Caddy, with a real sshd for
/// the provisioning terminal. Screenshots of every page are kept in `.build/ui-screenshots/`.
@Suite(.serialized) struct WebUITests {
    @Test func theUIWorksEndToEndInARealBrowser() async throws {
        let ssh = try SSHServer()
        defer { ssh.remove() }
        let folder = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.file("plugins"), withIntermediateDirectories: true)
        for plugin in ["PosternProxyCaddyL4", "PosternProxySSHProvisioner", "PosternProxyUFWHardening"] {
            try FileManager.default.copyItem(atPath: try TestEnvironment.builtPlugin(plugin), toPath: folder.file("plugins/lib\(plugin).so"))
        }
        let port = try FreePort.next()
        let httpPort = try FreePort.next()
        let controller = try ControllerProcess(
            adminPassword: nil, folder: folder,
            extraEnvironment: [
                "POSTERNPROXY_LISTEN": "0.0.0.0:\(port)", "POSTERNPROXY_PUBLIC_URL": "http://\(ssh.hostAddress):\(port)",
                "POSTERNPROXY_PUBLIC_URL_INSECURE": "yes",
                "POSTERNPROXY_APPLY_PIPELINE": "posternproxy.caddy", "POSTERNPROXY_PLUGINS_DIR": folder.file("plugins"),
                "POSTERNPROXY_HTTP_PORT": String(httpPort), "POSTERNPROXY_HTTPS_PORT": String(try FreePort.next()),
                "POSTERNPROXY_AGENT_BUNDLE": "\(TestEnvironment.buildFolder)/agent-bundle",
            ], port: port)
        defer { controller.remove() }
        let upstream = try TestUpstream("browser", in: folder.path)
        defer { upstream.stop() }
        let password = try #require(
            controller.output.split(separator: "\n").first { $0.contains("password:") }?
                .split(separator: ":").last?.trimmingCharacters(in: .whitespaces))

        let screenshots = "\(TestEnvironment.packageRoot)/.build/ui-screenshots"
        try? FileManager.default.removeItem(atPath: screenshots)
        try FileManager.default.createDirectory(atPath: screenshots, withIntermediateDirectories: true)
        let settings: [String: Any] = [
            "url": "http://localhost:\(port)", "email": ControllerProcess.adminEmail, "password": password,
            "caddy_port": httpPort, "upstream_port": upstream.port, "screenshots": screenshots,
            "ssh": ["host": ssh.address, "port": ssh.port, "user": "pp-key", "key": ssh.clientKey, "fingerprint": ssh.hostKeyFingerprint],
        ]
        let argument = String(decoding: try JSONSerialization.data(withJSONObject: settings), as: UTF8.self)
        let result = try await offThePool {
            try LocalTarget().run(
                TargetCommand(
                    argv: ["python3", TestEnvironment.packageRoot + "/Tests/Browser/ui_walkthrough.py", argument],
                    timeout: .seconds(300)), onLine: { _ in }, isCancelled: { false })
        }
        let output = String(decoding: result.standardOutput, as: UTF8.self)
        #expect(result.exitStatus == 0, "\(output)\n\(String(decoding: result.standardError, as: UTF8.self).suffix(4000))")
        for check in [
            "logged in with the first-start password", "a host saved in the UI answers through Caddy from its upstream",
            "a change made elsewhere shows in the open list without a reload, with its apply status",
            "counts are written with their noun in the right number", "a search without a match says so",
            "access lists, used by hosts on any server, show no server of their own",
            "the bad domain error is shown next to its field", "the bad port error is shown next to its field",
            "nothing was saved by the refused forms", "a disabled host answers 404", "an attached access list answers 403",
            "a server whose provisioning is refused is not kept", "the server dialog masks the password and shows the key's fields only for a key",
            "a fixed error leaves the server dialog",
            "provisioning lines arrive in the terminal panel", "a host key scan shows the server's fingerprint beside the pinned one",
            "the server selector filters the lists", "settings are saved from one form, a refusal shown next to its field",
            "a backup downloads, and a restore shows what the backup holds before replacing anything",
            "a question is an accessible dialog that Escape cancels", "an admin edits a user and resets their password",
            "a screenshot of every page",
            "a viewer is shown no link to a page only admins may use, and its address leads to the dashboard",
            "a viewer finds no enabled control that changes anything", "no script errors",
        ] {
            #expect(output.contains("ok \(check)"), "missing: \(check)")
        }
        let pictures = (try? FileManager.default.contentsOfDirectory(atPath: screenshots)) ?? []
        #expect(pictures.filter { $0.hasSuffix(".png") }.count >= 14)
    }
}
