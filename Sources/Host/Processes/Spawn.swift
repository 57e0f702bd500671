import CHostSystem
import Glibc

/// Starting and reaping child processes with `posix_spawn`, so the host needs no Foundation
/// `Process` (and the agent no Foundation at all). Children inherit the environment, start with
/// default signal handling and an empty signal mask, and get no descriptor but their three
/// standard streams: the host opens everything else close-on-exec, and descriptors it inherited
/// without that flag (a parent's monitoring socket) are closed in the child, so a long-lived child
/// such as Caddy never holds the host's parent waiting.
enum Spawn {
    /// Starts `argv` (`argv[0]` a path) with the given descriptors as its standard streams.
    static func start(_ argv: [String], standardInput: Int32, standardOutput: Int32, standardError: Int32) throws(SpawnError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (from, to) in [(standardInput, 0), (standardOutput, 1), (standardError, 2)] {
            posix_spawn_file_actions_adddup2(&actions, from, Int32(to))
        }
        let closing = posternproxy_spawn_close_from(&actions, 3)
        guard closing == 0 else { throw SpawnError(program: argv[0], errno: closing) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t(), defaults = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&defaults)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, argv[0], &actions, &attributes, &cArguments, environ)
        guard result == 0 else { throw SpawnError(program: argv[0], errno: result) }
        return pid
    }

    /// Waits for `pid` to end; nil with `blocking` false while it still runs. The status is the
    /// exit code, or 128 + the signal that ended it (as a shell reports it).
    static func wait(_ pid: pid_t, blocking: Bool) -> Int32? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, blocking ? 0 : WNOHANG)
            if result == -1, errno == EINTR { continue }
            guard result == pid else { return result == 0 ? nil : -1 }
            let signal = status & 0x7F
            return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
        }
    }

    /// A pipe whose both ends are close-on-exec from the start: (read, write).
    static func pipe() throws(SpawnError) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        guard posternproxy_pipe_cloexec(&ends) == 0 else { throw SpawnError(program: "pipe", errno: errno) }
        return (ends[0], ends[1])
    }
}

/// A child process could not be started.
struct SpawnError: Error, CustomStringConvertible {
    var program: String
    var errno: Int32
    var description: String { "cannot start \(program): \(String(cString: strerror(errno)))" }
}
