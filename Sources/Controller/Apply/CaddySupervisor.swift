import Foundation
import Logging

/// Runs Caddy for the local server when no running Caddy was given: `caddy run
/// --resume`, its admin API on a unix socket, restarted when it exits. It outlives a stopped
/// controller on purpose (it keeps serving its last config); the next start replaces it.
///
/// When a user is given (``ControllerConfiguration/caddyUser``) and the controller runs as root,
/// Caddy runs as that user with only the right to bind low ports (`setpriv`), and keeps its state
/// and admin socket in a folder of its own outside the data folder, which it cannot read. Its pid
/// file and log stay in the data folder, where only the controller writes.
final class CaddySupervisor: Sendable {
    let binary: String
    let adminSocket: String
    /// The controller's own folder for this Caddy: pid file and log.
    let folder: String
    /// Caddy's state (certificates, autosaved config) and admin socket.
    let stateFolder: String
    /// uid and gid Caddy runs as; nil: the controller's own.
    let account: (name: String, uid: uid_t, gid: gid_t)?
    private let logger: Logger

    init(binary: String, dataDirectory: String, user: String? = nil, stateDirectory: String? = nil, logger: Logger) {
        self.binary = binary
        folder = (dataDirectory as NSString).appendingPathComponent("caddy")
        if let user, geteuid() == 0, let entry = getpwnam(user) {
            account = (user, entry.pointee.pw_uid, entry.pointee.pw_gid)
            stateFolder = stateDirectory ?? (dataDirectory.hasSuffix("/") ? String(dataDirectory.dropLast()) : dataDirectory) + "-caddy"
        } else {
            account = nil
            stateFolder = folder
        }
        adminSocket = (stateFolder as NSString).appendingPathComponent("admin.sock")
        self.logger = logger
    }

    /// The pid file of the Caddy this supervisor started.
    var pidFile: String { (folder as NSString).appendingPathComponent("caddy.pid") }

    /// Starts Caddy and waits (up to 10 s) for its admin socket. A Caddy left running by an
    /// earlier controller on this data folder is stopped first.
    func start() throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        Self.stopLeftover(pidFile: pidFile)
        if let account {
            try FileManager.default.createDirectory(atPath: stateFolder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try Self.giveTree(stateFolder, to: account.uid, account.gid)
            logger.info("caddy runs as its own user", metadata: ["user": "\(account.name)", "state": "\(stateFolder)"])
        } else if geteuid() == 0 {
            logger.warning("caddy runs as root: create a caddy user, or name one in POSTERNPROXY_CADDY_USER, to keep it from the controller's files")
        }
        let initial = (stateFolder as NSString).appendingPathComponent("initial.json")
        try Data(#"{"admin": {"listen": "unix/\#(adminSocket)"}}"#.utf8).write(to: URL(fileURLWithPath: initial))
        if let account { chown(initial, account.uid, account.gid) }
        try launch(initial: initial)
        for _ in 0..<500 where !FileManager.default.fileExists(atPath: adminSocket) { usleep(20_000) }
    }

    private func launch(initial: String) throws {
        try? FileManager.default.removeItem(atPath: adminSocket)
        let caddy = Process()
        caddy.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let run = [binary, "run", "--resume", "--config", initial]
        if let account {
            caddy.arguments =
                [
                    "setpriv", "--reuid=\(account.uid)", "--regid=\(account.gid)", "--clear-groups",
                    "--inh-caps=-all,+net_bind_service", "--ambient-caps=-all,+net_bind_service", "--bounding-set=-all,+net_bind_service",
                ] + run
        } else {
            caddy.arguments = run
        }
        caddy.environment = Self.environment(folder: stateFolder)
        let logPath = (folder as NSString).appendingPathComponent("caddy.log")
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        guard let log = FileHandle(forWritingAtPath: logPath) else { throw CocoaError(.fileWriteNoPermission) }
        log.seekToEndOfFile()
        caddy.standardOutput = log
        caddy.standardError = log
        // The handler keeps the supervisor alive as long as the Caddy it watches.
        caddy.terminationHandler = { ended in
            if let account = self.account, [126, 127].contains(ended.terminationStatus) {
                self.logger.error(
                    "caddy cannot be started as \(account.name): that user cannot run \(self.binary) (a binary under a private folder such as /root?); restarting",
                    metadata: ["status": "\(ended.terminationStatus)"])
            } else {
                self.logger.warning("caddy exited; restarting", metadata: ["status": "\(ended.terminationStatus)"])
            }
            sleep(1)
            try? self.launch(initial: initial)
        }
        try caddy.run()
        try? Data("\(caddy.processIdentifier)\n".utf8).write(to: URL(fileURLWithPath: pidFile))
    }

    /// Gives `path` and everything in it (no symbolic link followed) to uid:gid.
    private static func giveTree(_ path: String, to uid: uid_t, _ gid: gid_t) throws {
        guard lchown(path, uid, gid) == 0 else { throw CocoaError(.fileWriteNoPermission) }
        let enumerator = FileManager.default.enumerator(atPath: path)
        while let entry = enumerator?.nextObject() as? String { lchown((path as NSString).appendingPathComponent(entry), uid, gid) }
    }

    /// Caddy's whole environment: where it keeps its state, the program search path and the
    /// system's trust and time settings, never the controller's own variables (its admin
    /// password, listeners, secrets).
    static func environment(folder: String, from parent: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        var environment = [
            "HOME": folder, "XDG_CONFIG_HOME": folder, "XDG_DATA_HOME": folder,
            "PATH": parent["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ]
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
