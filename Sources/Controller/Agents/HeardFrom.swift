import Foundation
import Synchronization

/// The servers heard from since the last write, and the upstream health each last reported: a
/// heartbeat or a status report only notes its server here, and the hub writes their `last_seen`
/// and changed health all at once every few seconds (``flush(to:)``), so ten thousand agents cost
/// one transaction per interval instead of a write per message.
final class HeardFrom: Sendable {
    private struct Pending {
        var heard: Set<Int64> = []
        /// Upstream health (JSON) by server, the latest noted.
        var health: [Int64: String] = [:]
    }

    private let pending = Mutex(Pending())

    func note(_ serverID: Int64) {
        _ = pending.withLock { $0.heard.insert(serverID) }
    }

    /// `serverID` reported upstream health `json`, which differs from what it reported before.
    func note(_ serverID: Int64, health json: String) {
        pending.withLock {
            $0.heard.insert(serverID)
            $0.health[serverID] = json
        }
    }

    /// Writes `last_seen` for every server noted and the health noted, in one transaction; the
    /// browsers are told when a health changed.
    func flush(to store: Store) async throws {
        let noted = pending.withLock { pending in
            defer { pending = Pending() }
            return pending
        }
        guard !noted.heard.isEmpty else { return }
        try await store.database.write { db in
            try ServerRepository.recordHeard(db, ids: noted.heard.sorted())
            for (id, json) in noted.health { try ServerRepository.recordHealth(db, id: id, json: json) }
        }
        if !noted.health.isEmpty { store.statusFeed.announce() }
    }
}
