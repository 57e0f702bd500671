import ServiceLifecycle
import Synchronization

/// Tells browsers that what they show may have changed: an apply recorded, a server's status
/// moved, a provisioning run ended, a resource or setting saved. It carries no data, only a
/// version that grows with every announcement: a browser reads what it shows again through the
/// API, with its own permissions, so nothing it may not see travels this way.
///
/// Writers announce after their transaction commits. A subscriber keeps only the newest version
/// it has not read yet, so a burst of changes wakes it once. A service of the controller: it
/// sends a keep-alive tick (the current version again) every `keepAlive`, and at graceful
/// shutdown it ends every subscription (the event streams finish, so the listeners can close).
final class StatusFeed: Service {
    private struct State {
        var version: Int64 = 0
        var subscribers: [UInt64: AsyncStream<Int64>.Continuation] = [:]
        var nextID: UInt64 = 0
        var finished = false
    }

    private let state = Mutex(State())
    private let keepAlive: Duration

    init(keepAlive: Duration = .seconds(25)) {
        self.keepAlive = keepAlive
    }

    /// The number of announcements so far.
    var version: Int64 { state.withLock { $0.version } }

    /// Something browsers show changed.
    func announce() { broadcast(moving: true) }

    /// Gives every subscriber the version, moved on first when `moving` (a keep-alive repeats it).
    private func broadcast(moving: Bool) {
        let (version, subscribers) = state.withLock { state in
            if moving { state.version += 1 }
            return (state.version, Array(state.subscribers.values))
        }
        for subscriber in subscribers { subscriber.yield(version) }
    }

    /// Versions from now on (the current one again at every keep-alive tick); ends at shutdown.
    func subscribe() -> AsyncStream<Int64> {
        let (stream, continuation) = AsyncStream.makeStream(of: Int64.self, bufferingPolicy: .bufferingNewest(1))
        let id: UInt64? = state.withLock { state in
            guard !state.finished else { return nil }
            state.nextID += 1
            state.subscribers[state.nextID] = continuation
            return state.nextID
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) } }
        return stream
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: self.keepAlive)
                self.broadcast(moving: false)
            }
        }
        let subscribers = state.withLock { state in
            state.finished = true
            defer { state.subscribers.removeAll() }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.finish() }
    }
}
