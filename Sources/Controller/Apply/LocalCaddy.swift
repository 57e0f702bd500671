import Foundation
import Host
import Logging

/// The local server's Caddy when no running Caddy was given: `caddy run --resume`, its admin API
/// on a unix socket, kept running (restarted when it exits) by a ``ProcessSupervisor`` of its
/// own. It outlives a stopped controller on purpose (it keeps serving its last config); the next
/// start stops it and starts a fresh one.
///
/// When a user is given (``ControllerConfiguration/caddyUser``) and the controller runs as root,
/// Caddy runs as that user with only the right to bind low ports (`setpriv`), and keeps its state
/// and admin socket in a folder of its own outside the data folder, which it cannot read. Its pid
/// file and log stay in the data folder, where only the controller writes.
final class LocalCaddy: Sendable {
    let binary: String
    let adminSocket: String
    /// The controller's own folder for this Caddy: pid file and log.
    let folder: String
    /// Caddy's state (certificates, autosaved config) and admin socket.
    let stateFolder: String
    /// uid and gid Caddy runs as; nil: the controller's own.
    let account: (name: String, uid: uid_t, gid: gid_t)?
    private let logger: Logger

    /// Where Caddy writes its certificate manager's log (in its state folder, which it can
    /// write to), read to report how automatic certificates are doing.
    var certificateLog: String { (stateFolder as NSString).appendingPathComponent("certificates.log") }

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

    /// Starts Caddy (a Caddy left running by an earlier controller on this data folder is
    /// stopped first) and waits up to 10 s for its admin socket. Returns its supervisor, which
    /// keeps it running.
    func start() throws -> ProcessSupervisor {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let supervisor = ProcessSupervisor(folder: folder, onExit: reportExit)
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
        try? FileManager.default.removeItem(atPath: adminSocket)
        supervisor.reconcile([process(initial: initial)])
        for _ in 0..<500 where !FileManager.default.fileExists(atPath: adminSocket) { usleep(20_000) }
        return supervisor
    }

    /// Caddy as the supervisor runs it: `caddy run --resume`, with only the environment it
    /// needs, as its own user when it has one.
    func process(initial: String) -> ManagedProcess {
        let launcher =
            account.map { account in
                [
                    "setpriv", "--reuid=\(account.uid)", "--regid=\(account.gid)", "--clear-groups",
                    "--inh-caps=-all,+net_bind_service", "--ambient-caps=-all,+net_bind_service", "--bounding-set=-all,+net_bind_service",
                ]
            } ?? []
        return ManagedProcess(
            id: "caddy", argv: [binary, "run", "--resume", "--config", initial], environment: Self.environment(folder: stateFolder),
            launcher: launcher)
    }

    private func reportExit(_ id: String, _ status: Int32) {
        if let account, [126, 127].contains(status) {
            logger.error(
                "caddy cannot be started as \(account.name): that user cannot run \(binary) (a binary under a private folder such as /root?); restarting",
                metadata: ["status": "\(status)"])
        } else {
            logger.warning("caddy exited; restarting", metadata: ["status": "\(status)"])
        }
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
}
