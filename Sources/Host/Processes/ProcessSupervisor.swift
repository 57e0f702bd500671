import Glibc
import JSONCore
import Synchronization

/// Keeps the ``ManagedProcess``es of the last successful apply running: starts what is missing,
/// stops what is no longer wanted, and restarts what exits (after a second). Each process's pid is
/// kept in `folder`, so a restarted host stops the ones its predecessor left before starting its
/// own (they would hold the ports). Processes outlive the host on purpose: a stopped host leaves
/// its data plane serving.
///
/// One mechanism for every long-running child: the apply steps' processes, and the local Caddy
/// (with a supervisor of its own, so reconciling the steps' processes never touches it).
public final class ProcessSupervisor: Sendable {
    /// Where pid files and each process's log go.
    public let folder: String
    /// Put before every argv (tests: `ip netns exec <namespace>`).
    public let argvPrefix: [String]
    private let table = Mutex<[String: Running]>([:])

    /// A started process; `generation` tells a restarted one from its predecessor.
    private struct Running {
        var spec: ManagedProcess
        var pid: pid_t
        var generation: Int
    }

    private let generations = Atomic<Int>(0)
    /// Told when a process exits by itself (it is then restarted): its id and exit status
    /// (128 + the signal when one ended it).
    private let onExit: @Sendable (_ id: String, _ status: Int32) -> Void

    public init(folder: String, argvPrefix: [String] = [], onExit: @escaping @Sendable (_ id: String, _ status: Int32) -> Void = { _, _ in }) {
        self.folder = folder
        self.argvPrefix = argvPrefix
        self.onExit = onExit
        try? LocalFiles.createFolder(folder, mode: 0o700)
        stopLeftovers()
    }

    /// Makes the running set exactly `wanted`.
    public func reconcile(_ wanted: [ManagedProcess]) {
        let wantedByID = Dictionary(wanted.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let stale = table.withLock { table -> [Running] in
            let stale = table.values.filter { wantedByID[$0.spec.id] != $0.spec }
            for entry in stale { table[entry.spec.id] = nil }
            return stale
        }
        for entry in stale { stop(entry) }
        for spec in wanted where table.withLock({ $0[spec.id] == nil }) { launch(spec) }
    }

    /// The pid of each running process, by id.
    public var running: [String: Int32] {
        table.withLock { $0.mapValues(\.pid) }
    }

    public func stopAll() { reconcile([]) }

    private func launch(_ spec: ManagedProcess) {
        let log = path(spec.id, ".log")
        let output = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        let input = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer {
            close(output)
            close(input)
        }
        let pid: pid_t
        do {
            let environment = spec.environment.map { ["-i"] + $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } } ?? []
            pid = try Spawn.start(
                ["/usr/bin/env"] + environment + argvPrefix + spec.launcher + spec.argv, standardInput: input, standardOutput: output,
                standardError: output)
        } catch {
            _ = "could not start \(spec.argv.first ?? ""): \(error)\n".withCString { write(output, $0, strlen($0)) }
            return
        }
        let generation = generations.add(1, ordering: .relaxed).newValue
        table.withLock { $0[spec.id] = Running(spec: spec, pid: pid, generation: generation) }
        let record = JSON.object([("pid", .int(Int(pid))), ("argv", .strings(spec.argv))])
        try? LocalFiles.replace(path(spec.id, ".pid"), with: record.serialized(), mode: 0o600)
        DetachedThread.start(name: "pp-supervise") { [weak self] in
            let status = Spawn.wait(pid, blocking: true) ?? -1
            // Restart only if this very process is still the wanted one.
            guard let self, self.table.withLock({ $0[spec.id]?.generation == generation }) else { return }
            self.onExit(spec.id, status)
            self.table.withLock { _ = $0.removeValue(forKey: spec.id) }
            sleep(1)
            if self.table.withLock({ $0[spec.id] == nil }) { self.launch(spec) }
        }
    }

    private func stop(_ entry: Running) {
        // The supervising thread reaps it; until then, signal 0 finds it still there.
        if kill(entry.pid, SIGTERM) == 0 {
            for _ in 0..<50 where isAlive(entry.pid) { usleep(20_000) }
            if isAlive(entry.pid) { kill(entry.pid, SIGKILL) }
        }
        try? LocalFiles.remove(path(entry.spec.id, ".pid"))
    }

    /// True while `pid` runs (a zombie waiting to be reaped counts as ended).
    private func isAlive(_ pid: pid_t) -> Bool {
        guard let status = try? LocalFiles.readText("/proc/\(pid)/stat"),
            let close = status.lastIndex(of: ")")
        else { return false }
        return status[status.index(after: close)...].dropFirst().first != "Z"
    }

    /// Stops processes a previous host left, found by their pid files — only a pid that still
    /// runs exactly the recorded command line (a reused pid is left alone) — and waits (up to
    /// two seconds, then SIGKILL) until they have let go of their ports and sockets.
    private func stopLeftovers() {
        let files = (try? LocalFiles.names(in: folder)) ?? []
        for file in files where file.hasSuffix(".pid") {
            let path = Path.join(folder, file)
            defer { try? LocalFiles.remove(path) }
            guard let data = try? LocalFiles.read(path),
                let record = try? JSONObject(JSONParser.parse(data)),
                let pid = try? record.required("pid") as Int, pid > 1, let argv = try? record.required("argv") as [String],
                let commandLine = try? LocalFiles.read("/proc/\(pid)/cmdline"),
                commandLine == [UInt8]((argv.joined(separator: "\0") + "\0").utf8)
            else { continue }
            guard kill(pid_t(pid), SIGTERM) == 0 else { continue }
            for _ in 0..<100 where kill(pid_t(pid), 0) == 0 { usleep(20_000) }
            if kill(pid_t(pid), 0) == 0 { kill(pid_t(pid), SIGKILL) }
        }
    }

    /// The file for process `id` with `suffix`, its name made of safe characters.
    private func path(_ id: String, _ suffix: String) -> String {
        Path.join(folder, String(id.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "." }) + suffix)
    }
}
