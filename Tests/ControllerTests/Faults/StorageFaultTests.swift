import Foundation
import Host
import Testing
import TestSupport

/// The controller's data folder on a small file system of its own (a tmpfs in a mount namespace
/// the test makes for the controller): a full disk answers 507 with a message while reads and
/// logins go on, a database made immutable is refused at the next write with a clear error, and
/// both clear by themselves when the cause is gone; nothing acknowledged is lost. Health and the
/// log say so.
@Suite(.serialized) struct StorageFaultTests {
    final class Setup: @unchecked Sendable {
        let folder: TemporaryFolder
        let controller: ControllerProcess
        let data: String

        init() throws {
            folder = try TemporaryFolder()
            data = folder.file("data")
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            controller = try ControllerProcess(
                folder: folder,
                launcher: [
                    "unshare", "--mount", "--propagation", "private", "sh", "-c", #"mount -t tmpfs -o size=100m tmpfs "$0" && exec "$@""#, data,
                ])
        }

        /// A shell command in the controller's mount namespace, where its data folder is the tmpfs.
        @discardableResult
        func inNamespace(_ script: String) throws -> String {
            guard let pid = controller.pid else { throw TestSetupError("the controller is not running") }
            let result = try LocalTarget().run(
                TargetCommand(argv: ["nsenter", "--target", String(pid), "--mount", "--", "sh", "-c", script], timeout: .seconds(30)),
                onLine: { _ in }, isCancelled: { false })
            return String(decoding: result.standardOutput + result.standardError, as: UTF8.self)
        }

        func remove() {
            controller.remove()
        }
    }

    private func addHost(_ client: APIClient, _ name: String) async throws -> APIClient.Answer {
        try await client.post("/api/proxy-hosts", ["domain_names": [name], "forward_host": "127.0.0.1", "forward_port": 8080])
    }

    private func health(_ setup: Setup) async throws -> [String: Any] {
        try await APIClient(port: setup.controller.port).get("/api/health").object
    }

    @Test func aFullDiskAnswers507AndReadsAndLoginsGoOnUntilSpaceIsBack() async throws {
        let setup = try Setup()
        defer { setup.remove() }
        let client = try await setup.controller.loggedIn()
        #expect(try await health(setup)["status"] as? String == "up")
        var acknowledged: [String] = []
        for index in 0..<5 where try await addHost(client, "before-\(index).test").status == 201 { acknowledged.append("before-\(index).test") }

        try setup.inNamespace("dd if=/dev/zero of=\(setup.data)/filler bs=1M count=300 2>/dev/null; true")
        var refused: APIClient.Answer?
        for index in 0..<50 {
            let answer = try await addHost(client, "during-\(index).test")
            if answer.status == 201 {
                acknowledged.append("during-\(index).test")
            } else {
                refused = answer
                break
            }
        }
        #expect(refused?.status == 507, "\(refused.map { String(decoding: $0.body, as: UTF8.self) } ?? "never refused")")
        #expect(refused?.errorCode == "storage_full")
        #expect(((refused?.object["error"] as? [String: Any])?["message"] as? String)?.contains("is full") == true)
        // Reads and a new login work; health says why it is degraded, in general terms.
        #expect(try await client.get("/api/proxy-hosts").status == 200)
        let again = try await setup.controller.loggedIn()
        #expect(try await again.get("/api/auth/me").status == 200)
        let degraded = try await health(setup)
        #expect(degraded["status"] as? String == "degraded")
        #expect((degraded["checks"] as? [String: Any])?["database"] as? String == "disk_full")
        #expect(!"\(degraded)".contains(setup.data))
        #expect(setup.controller.output.contains("storage fault") || setup.controller.output.contains("a write was refused"))

        try setup.inNamespace("rm -f \(setup.data)/filler")
        try await eventually("writes are accepted again once space is back", seconds: 20) {
            let answer = try await addHost(client, "after.test")
            if answer.status == 201 { acknowledged.append("after.test") }
            return answer.status == 201
        }
        try await eventually("health is up again", seconds: 20) { try await health(setup)["status"] as? String == "up" }
        let stored = Set(try await client.get("/api/proxy-hosts?limit=500").items.compactMap { ($0["domain_names"] as? [String])?.first })
        #expect(Set(acknowledged).isSubset(of: stored), "lost: \(Set(acknowledged).subtracting(stored))")
    }

    @Test func aDatabaseThatCannotBeWrittenIsRefusedAtTheNextWriteAndSaysSo() async throws {
        let setup = try Setup()
        defer { setup.remove() }
        let client = try await setup.controller.loggedIn()
        #expect(try await addHost(client, "first.test").status == 201)

        let database = "\(setup.data)/posternproxy.sqlite"
        try setup.inNamespace("chattr +i \(database) \(database)-wal")
        defer { _ = try? setup.inNamespace("chattr -i \(database) \(database)-wal") }
        let refused = try await addHost(client, "second.test")
        #expect(refused.status == 503 && refused.errorCode == "storage_not_writable", "\(String(decoding: refused.body, as: UTF8.self))")
        #expect(((refused.object["error"] as? [String: Any])?["message"] as? String)?.contains("cannot be written") == true)
        #expect(try await client.get("/api/proxy-hosts").status == 200)
        try await eventually("health reports the database not writable", seconds: 15) {
            let report = try await health(setup)
            return report["status"] as? String == "degraded" && (report["checks"] as? [String: Any])?["database"] as? String == "not_writable"
        }

        try setup.inNamespace("chattr -i \(database) \(database)-wal")
        try await eventually("writes are accepted again", seconds: 15) { try await addHost(client, "third.test").status == 201 }
        let stored = try await client.get("/api/proxy-hosts").items.compactMap { ($0["domain_names"] as? [String])?.first }
        #expect(Set(stored) == ["first.test", "third.test"])
    }

    @Test func theUIShowsThatChangesCannotBeSavedUntilTheyCanAgain() async throws {
        let setup = try Setup()
        defer { setup.remove() }
        let database = "\(setup.data)/posternproxy.sqlite"
        defer { _ = try? setup.inNamespace("chattr -i \(database) \(database)-wal") }
        let output = try await LocalBrowserScript.run(
            "storage_banner.py", screenshots: "ui-screenshots/storage",
            settings: [
                "url": "http://localhost:\(setup.controller.port)", "email": ControllerProcess.adminEmail,
                "password": ControllerProcess.adminPassword,
            ],
            onLine: { line in
                if line == "make the database read-only" { _ = try? setup.inNamespace("chattr +i \(database) \(database)-wal") }
                if line == "make the database writable" { _ = try? setup.inNamespace("chattr -i \(database) \(database)-wal") }
            })
        for check in [
            "a database that cannot be written shows a banner and refuses a save with its reason",
            "the banner goes away by itself when the database can be written again", "no script errors",
        ] {
            #expect(output.contains("ok \(check)"), "missing: \(check)")
        }
    }

    @Test func aControllerStartedOnADatabaseThatCannotBeWrittenServesReadsAndSaysWhy() async throws {
        let controller = try ControllerProcess()
        defer { controller.remove() }
        let admin = try await controller.loggedIn()
        #expect(try await addHost(admin, "kept.test").status == 201)
        let token = try #require(try await admin.post("/api/tokens", ["name": "monitor"]).object["token"] as? String)
        controller.stop()

        let database = controller.folder.file("data/posternproxy.sqlite")
        let files = [database, database + "-wal"].filter { FileManager.default.fileExists(atPath: $0) }
        try chattr("+i", files)
        defer { try? chattr("-i", files) }
        try controller.start()
        let reader = APIClient(port: controller.port, bearer: token)
        #expect(try await reader.get("/api/proxy-hosts").items.count == 1)
        let refused = try await addHost(reader, "refused.test")
        #expect(refused.status == 503 && refused.errorCode == "storage_not_writable")
        #expect(((refused.object["error"] as? [String: Any])?["message"] as? String)?.contains("restart the controller") == true)
        let health = try await APIClient(port: controller.port).get("/api/health").object
        #expect((health["checks"] as? [String: Any])?["database"] as? String == "not_writable")
        #expect(controller.output.contains("storage fault"))
    }

    private func chattr(_ flag: String, _ files: [String]) throws {
        let result = try LocalTarget().run(TargetCommand(argv: ["chattr", flag] + files), onLine: { _ in }, isCancelled: { false })
        guard result.exitStatus == 0 else { throw TestSetupError("chattr \(flag) failed: \(String(decoding: result.standardError, as: UTF8.self))") }
    }
}
