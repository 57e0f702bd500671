import Foundation
import Logging

/// Runs Caddy for the local server when no running Caddy was given (SPEC §7): `caddy run
/// --resume`, its admin API on a unix socket in the data folder, restarted when it exits. It
/// outlives a stopped controller on purpose (it keeps serving its last config); the next start
/// replaces it.
final class CaddySupervisor: Sendable {
    let binary: String
    let adminSocket: String
    let folder: String
    private let logger: Logger

    init(binary: String, dataDirectory: String, logger: Logger) {
        self.binary = binary
        folder = (dataDirectory as NSString).appendingPathComponent("caddy")
        adminSocket = (folder as NSString).appendingPathComponent("admin.sock")
        self.logger = logger
    }

    /// The pid file of the Caddy this supervisor started.
    var pidFile: String { (folder as NSString).appendingPathComponent("caddy.pid") }

    /// Starts Caddy and waits (up to 10 s) for its admin socket. A Caddy left running by an
    /// earlier controller on this data folder is stopped first.
    func start() throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        Self.stopLeftover(pidFile: pidFile)
        let initial = (folder as NSString).appendingPathComponent("initial.json")
        try Data(#"{"admin": {"listen": "unix/\#(adminSocket)"}}"#.utf8).write(to: URL(fileURLWithPath: initial))
        try launch(initial: initial)
        for _ in 0..<500 where !FileManager.default.fileExists(atPath: adminSocket) { usleep(20_000) }
    }

    private func launch(initial: String) throws {
        try? FileManager.default.removeItem(atPath: adminSocket)
        let caddy = Process()
        caddy.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        caddy.arguments = [binary, "run", "--resume", "--config", initial]
        caddy.environment = Self.environment(folder: folder)
        let logPath = (folder as NSString).appendingPathComponent("caddy.log")
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        guard let log = FileHandle(forWritingAtPath: logPath) else { throw CocoaError(.fileWriteNoPermission) }
        log.seekToEndOfFile()
        caddy.standardOutput = log
        caddy.standardError = log
        // The handler keeps the supervisor alive as long as the Caddy it watches.
        caddy.terminationHandler = { ended in
            self.logger.warning("caddy exited; restarting", metadata: ["status": "\(ended.terminationStatus)"])
            sleep(1)
            try? self.launch(initial: initial)
        }
        try caddy.run()
        try? Data("\(caddy.processIdentifier)\n".utf8).write(to: URL(fileURLWithPath: pidFile))
    }

    /// Caddy's whole environment: where it keeps its state, the program search path and the
    /// system's trust and time settings, never the controller's own variables (its admin
    /// password, listeners, secrets).
    static func environment(folder: String, from parent: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        var environment = ["HOME": folder, "XDG_CONFIG_HOME": folder, "XDG_DATA_HOME": folder,
                           "PATH": parent["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
        for name in ["SSL_CERT_FILE", "SSL_CERT_DIR", "TZ", "LANG"] { environment[name] = parent[name] }
        return environment
    }

    /// Stops the Caddy recorded in `pidFile`, if that process is still a Caddy.
    static func stopLeftover(pidFile: String) {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
            let commandLine = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8), commandLine.contains("caddy")
        else { return }
        kill(pid, SIGTERM)
        for _ in 0..<100 where kill(pid, 0) == 0 { usleep(20_000) }
        if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
    }
}
