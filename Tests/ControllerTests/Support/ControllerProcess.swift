import Foundation
import TestSupport

/// The real `posternproxy` controller, started by the test on a loopback port with a data folder
/// of its own.
/// One test drives it at a time; it crosses to a thread of its own only to wait (``offThePool``).
final class ControllerProcess: @unchecked Sendable {
    static let adminEmail = "admin@example.test"
    static let adminPassword = "correct horse battery"

    let folder: TemporaryFolder
    private(set) var port: Int
    private var child: ChildProcess?
    private let environment: [String: String]
    /// Words put before the controller's command (a namespace of its own, say).
    private let launcher: [String]

    /// Starts a controller; `adminPassword` nil lets it generate one (printed under INITIAL SETUP).
    /// `extraEnvironment` adds or overrides variables; by default the controller runs no local
    /// apply pipeline (the API tests need no Caddy).
    init(
        adminPassword: String? = ControllerProcess.adminPassword, folder: TemporaryFolder? = nil, extraEnvironment: [String: String] = [:],
        port: Int? = nil, launcher: [String] = []
    ) throws {
        self.launcher = launcher
        self.folder = try folder ?? TemporaryFolder()
        self.port = try port ?? FreePort.next()
        var environment = [
            "POSTERNPROXY_DATA_DIR": self.folder.file("data"), "POSTERNPROXY_ADMIN_EMAIL": Self.adminEmail,
            "POSTERNPROXY_APPLY_PIPELINE": "",
        ]
        environment.merge(extraEnvironment) { $1 }
        if let adminPassword { environment["POSTERNPROXY_ADMIN_PASSWORD"] = adminPassword }
        self.environment = environment
        // A port the kernel handed out as free can be taken by another process before the
        // controller binds it; a port the test did not choose is then tried again.
        var attempts = 1
        while true {
            do {
                try start()
                return
            } catch is PortTaken where port == nil && attempts < 3 {
                attempts += 1
                self.port = try FreePort.next()
            } catch {
                // A controller that did not start leaves nothing behind (its error carries its output).
                if folder == nil { self.folder.remove() }
                throw error
            }
        }
    }

    /// The controller could not bind its port: another process holds it.
    struct PortTaken: Error {}

    /// Starts the controller and waits for it to say that it listens on its port: a connection
    /// alone could reach another process that holds the port.
    func start() throws {
        var environment = environment
        let listen = environment["POSTERNPROXY_LISTEN"] ?? "127.0.0.1:\(port)"
        environment["POSTERNPROXY_LISTEN"] = listen
        let child = try ChildProcess(
            launcher + [TestEnvironment.commandPath, "serve"], in: folder.path, environment: environment, logName: "controller")
        let listening = "listening on \(listen)"
        do {
            try child.wait(until: { output.contains(listening) }, what: "the controller")
        } catch {
            // Nothing outlives a start that failed: the controller, and the Caddy it may have started.
            child.stop()
            if let pid = caddyPID { kill(pid, SIGKILL) }
            if output.contains("Address already in use") { throw PortTaken() }
            throw error
        }
        self.child = child
    }

    /// Stops the controller and the Caddy it started (which a killed controller leaves behind).
    func stop() {
        child?.stop()
        if let pid = caddyPID {
            kill(pid, SIGKILL)
            try? FileManager.default.removeItem(atPath: folder.file("data/caddy/caddy.pid"))
        }
    }

    /// The pid of the Caddy the controller started, from its supervisor's pid file (`{"pid", "argv"}`).
    var caddyPID: Int32? {
        guard let data = FileManager.default.contents(atPath: folder.file("data/caddy/caddy.pid")),
            let record = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let pid = record["pid"] as? Int
        else { return nil }
        return Int32(pid)
    }

    /// Asks the controller to stop as systemd does (SIGTERM); true when it exited within
    /// `seconds`.
    func terminate(within seconds: Double) -> Bool {
        guard let process = child?.process, process.isRunning else { return true }
        kill(process.processIdentifier, SIGTERM)
        return waitForExit(within: seconds)
    }

    /// True when the controller exited within `seconds` (it is sent nothing).
    func waitForExit(within seconds: Double) -> Bool {
        guard let process = child?.process else { return true }
        let deadline = Date() + seconds
        while process.isRunning, Date() < deadline { usleep(50_000) }
        return !process.isRunning
    }

    /// The controller's process id while it runs.
    var pid: Int32? {
        guard let process = child?.process, process.isRunning else { return nil }
        return process.processIdentifier
    }

    /// The exit status of a controller that has exited; nil while it runs.
    var exitStatus: Int32? {
        guard let process = child?.process, !process.isRunning else { return nil }
        return process.terminationStatus
    }

    func restart() throws {
        stop()
        try start()
    }

    /// A client signed in as `email`; a failure names what the controller printed.
    func loggedIn(email: String = ControllerProcess.adminEmail, password: String = ControllerProcess.adminPassword) async throws -> APIClient {
        do {
            return try await APIClient.loggedIn(port: port, email: email, password: password)
        } catch {
            let state = pid == nil ? "exited with status \(exitStatus ?? -1)" : "still runs"
            throw TestSetupError("signing in to the controller failed (\(error)); the controller \(state) and printed:\n\(output.suffix(3000))")
        }
    }

    /// What the controller printed.
    var output: String { (try? String(contentsOfFile: folder.file("controller.log"), encoding: .utf8)) ?? "" }

    func remove() {
        stop()
        folder.remove()
    }
}
