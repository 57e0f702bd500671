@testable import Controller
import Foundation
import Testing
import TestSupport

/// SIGTERM, as systemd sends it, stops the controller gracefully: the apply in progress finishes
/// and is recorded, the process exits 0, Caddy keeps serving, and the next start finds the
/// database exactly as the finished apply left it.
@Suite(.serialized) struct GracefulShutdownTests {
    @Test func sigtermDuringAnApplyFinishesItRecordsItAndExitsZero() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let plugins = folder.file("plugins")
        let marks = folder.file("marks")
        for path in [plugins, marks] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        try FileManager.default.copyItem(
            atPath: try TestEnvironment.builtPlugin("PosternProxyCaddyL4"), toPath: folder.file("plugins/libPosternProxyCaddyL4.so"))
        let slow = try CCompiler.fixture("slow_step.c", named: "libslow.so", in: folder)
        try FileManager.default.moveItem(atPath: slow, toPath: folder.file("plugins/libslow.so"))
        let httpPort = try FreePort.next()
        let upstream = try TestUpstream("app", in: folder.path)
        defer { upstream.stop() }
        let controller = try ControllerProcess(
            folder: folder,
            extraEnvironment: [
                "POSTERNPROXY_APPLY_PIPELINE": "posternproxy.caddy,test.slow", "POSTERNPROXY_PLUGINS_DIR": plugins,
                "POSTERNPROXY_HTTP_PORT": String(httpPort), "POSTERNPROXY_HTTPS_PORT": String(try FreePort.next()), "SLOW_STEP_DIR": marks,
            ])
        defer { controller.remove() }
        let client = try await controller.loggedIn()
        // The apply every start makes goes first.
        try await waitFor("the apply at start begins") { Self.count(marks, "started") == 1 }
        try Self.release(marks, apply: 1)
        try await waitFor("the apply at start finishes") { Self.count(marks, "finished") == 1 }

        let host = try await client.post(
            "/api/proxy-hosts", ["domain_names": ["graceful.test"], "forward_host": "127.0.0.1", "forward_port": upstream.port])
        #expect(host.status == 201)
        try await waitFor("the apply of the new host is under way") { Self.count(marks, "started") == 2 }
        #expect(Self.count(marks, "finished") == 1)

        // SIGTERM while the step holds the apply; the controller must wait for it.
        let pid = try #require(controller.pid)
        kill(pid, SIGTERM)
        try await Task.sleep(for: .seconds(1))
        #expect(controller.exitStatus == nil, "the controller exited with an apply under way")
        try Self.release(marks, apply: 2)
        let exited = try await offThePool { controller.waitForExit(within: 60) }
        #expect(exited, "the controller did not exit within 60 seconds of SIGTERM")
        #expect(controller.exitStatus == 0, "exit status \(String(describing: controller.exitStatus)): \(controller.output.suffix(2000))")
        #expect(Self.count(marks, "finished") == 2, "the apply in progress did not finish")
        // Caddy outlives the controller and serves what the finished apply loaded.
        #expect(try HTTPProbe.request("/", host: "graceful.test", port: httpPort).upstream == "app")

        // What the next start reads: the new host applied, the server at its desired revision.
        let store = try Store(path: folder.file("data/posternproxy.sqlite"))
        let (hostStatus, server) = try await store.database.read { db in
            (
                try db.value(String.self, "SELECT apply_status FROM resources WHERE id = ?", [host.id!]),
                try db.row("SELECT status, desired_revision, applied_revision FROM servers WHERE is_local = 1")!
            )
        }
        #expect(hostStatus == "applied")
        #expect(server["status"] as String == "online")
        #expect(server["applied_revision"] as Int64 == server["desired_revision"] as Int64)
    }

    /// Lets the slow step's apply number `apply` finish.
    private static func release(_ folder: String, apply: Int) throws {
        _ = FileManager.default.createFile(atPath: "\(folder)/release-\(apply)", contents: nil)
    }

    /// The count a mark file holds, 0 while it does not exist.
    private static func count(_ folder: String, _ name: String) -> Int {
        (try? String(contentsOfFile: "\(folder)/\(name)", encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
    }

    private func waitFor(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<300 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("never happened: \(what)")
        throw TestSetupError("never happened: \(what)")
    }
}
