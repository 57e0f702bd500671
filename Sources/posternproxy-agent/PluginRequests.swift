import Host
import Synchronization

/// Plugin files asked of the controller and not yet answered: an apply waits here for the
/// `plugin` message the connection's read loop delivers. A connection that ends answers every
/// waiting request with nil, and every later one at once.
final class PluginRequests: Sendable {
    private let waiting = Mutex<[String: [CheckedContinuation<ControllerMessage.PluginFile?, Never>]]>([:])
    private let ended = Atomic<Bool>(false)

    /// Sends the request with `send` and waits for its answer, or nil when the connection ends
    /// or `timeout` passes first.
    func fetch(_ sha256: String, timeout: Duration = .seconds(120), send: @Sendable @escaping () async throws -> Void) async
        -> ControllerMessage.PluginFile?
    {
        if ended.load(ordering: .acquiring) { return nil }
        let expiry = Task {
            try? await Task.sleep(for: timeout)
            if !Task.isCancelled { self.answer(sha256, with: nil) }
        }
        defer { expiry.cancel() }
        return await withCheckedContinuation { continuation in
            waiting.withLock { $0[sha256, default: []].append(continuation) }
            Task {
                do { try await send() } catch { self.answer(sha256, with: nil) }
            }
        }
    }

    func deliver(_ file: ControllerMessage.PluginFile) { answer(file.sha256, with: file) }

    /// Ends every wait: the connection that would have answered is gone.
    func abandonAll() {
        ended.store(true, ordering: .releasing)
        let all = waiting.withLock { waiting in
            defer { waiting = [:] }
            return waiting.values.flatMap { $0 }
        }
        for continuation in all { continuation.resume(returning: nil) }
    }

    private func answer(_ sha256: String, with file: ControllerMessage.PluginFile?) {
        let continuations = waiting.withLock { $0.removeValue(forKey: sha256) } ?? []
        for continuation in continuations { continuation.resume(returning: file) }
    }
}
