import Glibc

/// One child process of ``LocalTarget``: feeds standard input, streams both outputs line by line,
/// and enforces the timeout and cancellation — all from the calling thread, with `poll`.
struct LocalProcess {
    let executable: String
    let command: TargetCommand
    let onLine: @Sendable (OutputLine) -> Void

    /// How long a stopped command gets between SIGTERM and SIGKILL.
    static let terminationGrace: Duration = .seconds(2)
    /// How long output is still read after the command ended, when something it started (a
    /// daemon) keeps its output open.
    static let outputGrace: Duration = .milliseconds(200)

    func run(isCancelled: @escaping @Sendable () -> Bool) throws(TargetError) -> CommandResult {
        let (pid, input, outputs) = try start()
        var feeder = InputFeeder(fd: input, bytes: command.standardInput)
        var collectors = [
            outputs.0: OutputCollector(stream: .standardOutput, limit: command.outputLimit),
            outputs.1: OutputCollector(stream: .standardError, limit: command.outputLimit),
        ]
        var finished: [OutputCollector] = []

        let deadline = ContinuousClock.now + command.timeout
        var stop: (reason: TargetError, at: ContinuousClock.Instant, killed: Bool)?
        var ended: (status: Int32, at: ContinuousClock.Instant)?
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            if ended == nil, let status = Spawn.wait(pid, blocking: false) { ended = (status, .now) }
            if let ended, collectors.isEmpty || ContinuousClock.now - ended.at > Self.outputGrace { break }
            if ended == nil {
                if stop == nil, isCancelled() {
                    stop = (.cancelled, .now, false)
                    kill(pid, SIGTERM)
                }
                if stop == nil, ContinuousClock.now >= deadline {
                    stop = (.timedOut(command.argv.joined(separator: " ")), .now, false)
                    kill(pid, SIGTERM)
                }
                // SIGKILL when the program has not ended within the grace period.
                if let current = stop, !current.killed, ContinuousClock.now - current.at > Self.terminationGrace {
                    kill(pid, SIGKILL)
                    stop?.killed = true
                }
            }
            var fds = collectors.keys.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if feeder.fd >= 0 { fds.append(pollfd(fd: feeder.fd, events: Int16(POLLOUT), revents: 0)) }
            guard poll(&fds, nfds_t(fds.count), 10) > 0 else { continue }
            for entry in fds where entry.revents != 0 {
                if entry.fd == feeder.fd {
                    feeder.feed()
                    continue
                }
                let n = read(entry.fd, &buffer, buffer.count)
                if n > 0 {
                    collectors[entry.fd]!.consume(buffer[0..<n], onLine: onLine)
                } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                    close(entry.fd)
                    finished.append(collectors.removeValue(forKey: entry.fd)!)
                }
            }
        }
        feeder.close()
        for (fd, collector) in collectors {
            close(fd)
            finished.append(collector)
        }
        for index in finished.indices { finished[index].finish(onLine: onLine) }
        if let stop { throw stop.reason }
        let output = finished.first { $0.stream == .standardOutput }!, errors = finished.first { $0.stream == .standardError }!
        return CommandResult(
            exitStatus: ended!.status, standardOutput: [UInt8](output.kept), standardError: [UInt8](errors.kept),
            truncated: output.truncated || errors.truncated)
    }

    /// Starts the command with three pipes: its pid, the write end of its standard input, and the
    /// read ends of its standard output and error (all non-blocking).
    private func start() throws(TargetError) -> (pid_t, Int32, (Int32, Int32)) {
        var opened: [Int32] = []
        do {
            let input = try Spawn.pipe(), output = try Spawn.pipe(), errors = try Spawn.pipe()
            opened = [input.read, input.write, output.read, output.write, errors.read, errors.write]
            let pid = try Spawn.start(
                [executable] + command.argv.dropFirst(), standardInput: input.read,
                standardOutput: output.write, standardError: errors.write)
            for fd in [input.read, output.write, errors.write] { close(fd) }
            for fd in [input.write, output.read, errors.read] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
            return (pid, input.write, (output.read, errors.read))
        } catch {
            opened.forEach { close($0) }
            throw .failed(error.description)
        }
    }
}

/// Writes a command's standard input as the pipe takes it, then closes it.
private struct InputFeeder {
    private(set) var fd: Int32
    private let bytes: [UInt8]
    private var offset = 0

    init(fd: Int32, bytes: [UInt8]) {
        self.fd = fd
        self.bytes = Array(bytes)
        if bytes.isEmpty { close() }
    }

    mutating func feed() {
        let n = bytes.withUnsafeBytes { buffer in Self.writeWithoutSIGPIPE(fd, buffer.baseAddress! + offset, buffer.count - offset) }
        if n > 0 { offset += n }
        if offset == bytes.count || (n < 0 && errno != EAGAIN && errno != EINTR) { close() }
    }

    mutating func close() {
        guard fd >= 0 else { return }
        _ = Glibc.close(fd)
        fd = -1
    }

    /// `write`, with the SIGPIPE of a reader that went away blocked and discarded: a command
    /// that does not read its input must not end the host.
    private static func writeWithoutSIGPIPE(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
        var pipeSignal = sigset_t(), previous = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
        let n = write(fd, pointer, count)
        let error = errno
        if n < 0, error == EPIPE {
            var now = timespec()
            _ = sigtimedwait(&pipeSignal, nil, &now)
        }
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        errno = error
        return n
    }
}

/// One output stream of a command: keeps up to `limit` bytes and reports each line.
private struct OutputCollector {
    let stream: OutputLine.Stream
    let limit: Int
    private(set) var kept: [UInt8] = []
    private(set) var truncated = false
    private var lines = LineSplitter()

    init(stream: OutputLine.Stream, limit: Int) {
        self.stream = stream
        self.limit = limit
    }

    mutating func consume(_ chunk: ArraySlice<UInt8>, onLine: (OutputLine) -> Void) {
        let room = max(0, limit - kept.count)
        kept += chunk.prefix(room)
        if chunk.count > room { truncated = true }
        let stream = stream
        chunk.withUnsafeBytes { lines.feed($0) { onLine(OutputLine(stream: stream, text: $0)) } }
    }

    mutating func finish(onLine: (OutputLine) -> Void) {
        let stream = stream
        lines.finish { onLine(OutputLine(stream: stream, text: $0)) }
    }
}
