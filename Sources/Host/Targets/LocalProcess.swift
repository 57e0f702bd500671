import Foundation
import Synchronization

/// One child process of ``LocalTarget``: feeds standard input, streams both outputs line by line,
/// and enforces the timeout and cancellation.
struct LocalProcess {
    let executable: String
    let command: TargetCommand
    let onLine: @Sendable (OutputLine) -> Void

    /// How long a stopped command gets between SIGTERM and SIGKILL.
    static let terminationGrace: Duration = .seconds(2)

    func run(isCancelled: @escaping @Sendable () -> Bool) throws(TargetError) -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(command.argv.dropFirst())
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw .failed("cannot start \(executable): \(error.localizedDescription)")
        }

        let group = DispatchGroup()
        let stdout = StreamCollector(stream: .standardOutput, limit: command.outputLimit, onLine: onLine)
        let stderr = StreamCollector(stream: .standardError, limit: command.outputLimit, onLine: onLine)
        stdout.drain(output.fileHandleForReading, group: group)
        stderr.drain(errors.fileHandleForReading, group: group)
        let stdin = command.standardInput
        DispatchQueue.global().async {
            try? input.fileHandleForWriting.write(contentsOf: stdin)
            try? input.fileHandleForWriting.close()
        }

        let deadline = ContinuousClock.now + command.timeout
        var stopReason: TargetError?
        var stopRequested = ContinuousClock.now
        while process.isRunning {
            if stopReason == nil {
                if isCancelled() {
                    stopReason = .cancelled
                } else if ContinuousClock.now >= deadline {
                    stopReason = .timedOut(command.argv.joined(separator: " "))
                }
                if stopReason != nil { stopRequested = .now }
            }
            if stopReason != nil {
                // SIGTERM first; SIGKILL when the program has not ended within the grace period.
                let grace = ContinuousClock.now - stopRequested > Self.terminationGrace
                kill(process.processIdentifier, grace ? SIGKILL : SIGTERM)
            }
            usleep(10_000)
        }
        group.wait()
        if let stopReason { throw stopReason }

        let status = process.terminationReason == .uncaughtSignal
            ? 128 + process.terminationStatus : process.terminationStatus
        return CommandResult(
            exitStatus: status, standardOutput: stdout.bytes, standardError: stderr.bytes,
            truncated: stdout.truncated || stderr.truncated)
    }
}

/// Reads one output stream to its end: keeps up to `limit` bytes and reports each line.
private final class StreamCollector: Sendable {
    private struct State {
        var kept = Data()
        var pending = Data()
        var truncated = false
    }

    let stream: OutputLine.Stream
    let limit: Int
    let onLine: @Sendable (OutputLine) -> Void
    private let state = Mutex(State())

    init(stream: OutputLine.Stream, limit: Int, onLine: @escaping @Sendable (OutputLine) -> Void) {
        self.stream = stream
        self.limit = limit
        self.onLine = onLine
    }

    var bytes: Data { state.withLock { $0.kept } }
    var truncated: Bool { state.withLock { $0.truncated } }

    func drain(_ handle: FileHandle, group: DispatchGroup) {
        DispatchQueue.global().async(group: group) {
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                self.consume(chunk)
            }
            self.finish()
        }
    }

    private func consume(_ chunk: Data) {
        let lines = state.withLock { state -> [String] in
            let room = max(0, limit - state.kept.count)
            state.kept.append(chunk.prefix(room))
            if chunk.count > room { state.truncated = true }
            state.pending.append(chunk)
            var lines: [String] = []
            while let newline = state.pending.firstIndex(of: 0x0A) {
                lines.append(String(decoding: state.pending[state.pending.startIndex..<newline], as: UTF8.self))
                state.pending.removeSubrange(state.pending.startIndex...newline)
            }
            if state.pending.count > 64 << 10 {  // a very long line is still reported, in parts
                lines.append(String(decoding: state.pending, as: UTF8.self))
                state.pending.removeAll()
            }
            return lines
        }
        lines.forEach { onLine(OutputLine(stream: stream, text: $0)) }
    }

    private func finish() {
        let rest = state.withLock { state -> String? in
            defer { state.pending.removeAll() }
            return state.pending.isEmpty ? nil : String(decoding: state.pending, as: UTF8.self)
        }
        if let rest { onLine(OutputLine(stream: stream, text: rest)) }
    }
}
