import Foundation
import Synchronization

/// The servers whose agents were heard from since the last write: a heartbeat only notes its
/// server here, and the hub writes their `last_seen` all at once every few seconds
/// (``flush(to:)``), so ten thousand agents cost one transaction per interval instead of a write
/// per heartbeat.
final class HeardFrom: Sendable {
    private let pending = Mutex<Set<Int64>>([])

    func note(_ serverID: Int64) {
        _ = pending.withLock { $0.insert(serverID) }
    }

    /// Writes `last_seen` for every server noted.
    func flush(to store: Store) async throws {
        let ids = pending.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        guard !ids.isEmpty else { return }
        try await store.database.write { db in try ServerRepository.recordHeard(db, ids: ids.sorted()) }
    }
}
