import Foundation
import Synchronization

/// Keeps the ``ManagedProcess``es of the last successful apply running: starts what is missing,
/// stops what is no longer wanted, and restarts what exits (after a second). Each process's pid is
/// kept in `folder`, so a restarted host stops the ones its predecessor left before starting its
/// own (they would hold the ports).
public final class ProcessSupervisor: Sendable {
    /// Where pid files and each process's log go.
    public let folder: String
    /// Put before every argv (tests: `ip netns exec <namespace>`).
    public let argvPrefix: [String]
    private let table = Mutex<[String: Running]>([:])

    private struct Running: @unchecked Sendable {
        var spec: ManagedProcess
        var process: Process
    }

    public init(folder: String, argvPrefix: [String] = []) {
        self.folder = folder
        self.argvPrefix = argvPrefix
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
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
        table.withLock { $0.mapValues { $0.process.isRunning ? $0.process.processIdentifier : 0 }.filter { $0.value > 0 } }
    }

    public func stopAll() { reconcile([]) }

    private func launch(_ spec: ManagedProcess) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argvPrefix + spec.argv
        let log = logPath(spec.id)
        if !FileManager.default.fileExists(atPath: log) { FileManager.default.createFile(atPath: log, contents: nil) }
        if let handle = FileHandle(forWritingAtPath: log) {
            handle.seekToEndOfFile()
            process.standardOutput = handle
            process.standardError = handle
        }
        process.terminationHandler = { [weak self] ended in
            guard let self else { return }
            // Restart only if this very process is still the wanted one.
            let stillWanted = self.table.withLock { $0[spec.id]?.process === ended }
            guard stillWanted else { return }
            self.table.withLock { _ = $0.removeValue(forKey: spec.id) }
            sleep(1)
            if self.table.withLock({ $0[spec.id] == nil }) { self.launch(spec) }
        }
        table.withLock { $0[spec.id] = Running(spec: spec, process: process) }
        do {
            try process.run()
            let record: [String: Any] = ["pid": Int(process.processIdentifier), "argv": spec.argv]
            try? JSONSerialization.data(withJSONObject: record).write(to: URL(fileURLWithPath: pidPath(spec.id)))
        } catch {
            table.withLock { _ = $0.removeValue(forKey: spec.id) }
            try? Data("could not start \(spec.argv.first ?? ""): \(error)\n".utf8).write(to: URL(fileURLWithPath: log))
        }
    }

    private func stop(_ entry: Running) {
        if entry.process.isRunning {
            entry.process.terminate()
            for _ in 0..<50 where entry.process.isRunning { usleep(20_000) }
            if entry.process.isRunning { kill(entry.process.processIdentifier, SIGKILL) }
        }
        try? FileManager.default.removeItem(atPath: pidPath(entry.spec.id))
    }

    /// Stops processes a previous host left, found by their pid files — only a pid that still
    /// runs exactly the recorded command line (a reused pid is left alone).
    private func stopLeftovers() {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for file in files where file.hasSuffix(".pid") {
            let path = (folder as NSString).appendingPathComponent(file)
            defer { try? FileManager.default.removeItem(atPath: path) }
            guard let data = FileManager.default.contents(atPath: path),
                let record = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let pid = (record["pid"] as? NSNumber)?.int32Value, pid > 1, let argv = record["argv"] as? [String],
                let commandLine = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                commandLine == Data((argv.joined(separator: "\0") + "\0").utf8)
            else { continue }
            kill(pid, SIGTERM)
        }
    }

    private func fileStem(_ id: String) -> String {
        String(id.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "." })
    }

    private func pidPath(_ id: String) -> String { (folder as NSString).appendingPathComponent(fileStem(id) + ".pid") }
    private func logPath(_ id: String) -> String { (folder as NSString).appendingPathComponent(fileStem(id) + ".log") }
}
