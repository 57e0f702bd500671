import Foundation
import Host
import Synchronization

/// One provisioning run's output as it happens: every line is kept (the log can be read later)
/// and handed to each live watcher (the browser's terminal, through server-sent events).
final class ProvisioningRun: Sendable {
    let id: Int64
    let serverID: Int64
    /// Set by ``cancel()``: the SSH transport and the pipeline stop at their next safe point.
    let cancellation = CancellationFlag()
    private let state = Mutex<State>(State())

    private struct State {
        var lines: [String] = []
        var finished: String?
        var watchers: [UUID: AsyncStream<String>.Continuation] = [:]
    }

    init(id: Int64, serverID: Int64) {
        self.id = id
        self.serverID = serverID
    }

    /// Asks the run to stop (a connection being made, a command running, the steps to come).
    func cancel() {
        cancellation.cancel()
        append("cancellation requested")
    }

    /// Lines so far, and the final status once finished.
    var snapshot: (lines: [String], finished: String?) { state.withLock { ($0.lines, $0.finished) } }

    func append(_ line: String) {
        let watchers = state.withLock { state -> [AsyncStream<String>.Continuation] in
            state.lines.append(line)
            return Array(state.watchers.values)
        }
        for watcher in watchers { watcher.yield(line) }
    }

    func finish(_ status: String) {
        let watchers = state.withLock { state -> [AsyncStream<String>.Continuation] in
            state.finished = status
            defer { state.watchers.removeAll() }
            return Array(state.watchers.values)
        }
        for watcher in watchers { watcher.finish() }
    }

    /// Every line from the first one, then the new ones as they come, until the run ends.
    func watch() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(100_000))
        let key = UUID()
        let finished = state.withLock { state -> Bool in
            for line in state.lines { continuation.yield(line) }
            if state.finished == nil { state.watchers[key] = continuation }
            return state.finished != nil
        }
        if finished { continuation.finish() }
        continuation.onTermination = { [weak self] _ in self?.state.withLock { _ = $0.watchers.removeValue(forKey: key) } }
        return stream
    }
}
