import Glibc

/// Loads a plugin file in a child process before a long-lived host loads it itself, so a plugin
/// whose entry function crashes, hangs or exits takes only the child down, and the host reports
/// why instead of dying. The child is `argv` with the file appended; it exits 0 when the file
/// loads, or prints the loader's refusal and exits non-zero.
public enum IsolatedLoadCheck {
    /// Nil when the file loads; otherwise what stopped it.
    public static func problem(loading file: String, with argv: [String], timeoutSeconds: Int = 10) -> String? {
        let output: (read: Int32, write: Int32)
        do { output = try Spawn.pipe() } catch { return "cannot start the loading check: \(error)" }
        let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { if devNull >= 0 { close(devNull) } }
        let pid: pid_t
        do {
            pid = try Spawn.start(argv + [file], standardInput: devNull, standardOutput: output.write, standardError: output.write)
        } catch {
            close(output.read)
            close(output.write)
            return "cannot start the loading check: \(error)"
        }
        close(output.write)
        defer { close(output.read) }
        var status: Int32?
        for _ in 0..<(timeoutSeconds * 100) {
            status = Spawn.wait(pid, blocking: false)
            if status != nil { break }
            usleep(10_000)
        }
        guard let status else {
            kill(pid, SIGKILL)
            _ = Spawn.wait(pid, blocking: true)
            return "\(file): loading it did not finish within \(timeoutSeconds) seconds; check what its entry function does"
        }
        var printed: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while printed.count < 65536 {
            let count = read(output.read, &chunk, chunk.count)
            if count <= 0 { break }
            printed += chunk[..<count]
        }
        if status == 0 { return nil }
        if status > 128 {
            let name = strsignal(status - 128).map { String(cString: $0) } ?? "signal \(status - 128)"
            return "\(file): the plugin crashed while loading (\(name)); the host would crash the same way"
        }
        let text = String(decoding: printed, as: UTF8.self).trimmingTrailingNewlines()
        return text.isEmpty ? "\(file): the loading check exited with status \(status) without a reason" : text
    }
}

extension String {
    fileprivate func trimmingTrailingNewlines() -> String {
        var text = self
        while text.last == "\n" { text.removeLast() }
        return text
    }
}
