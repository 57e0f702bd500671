import Foundation
import Synchronization

/// A sliding-window limit: at most `limit` events per `window` per key (a client IP).
final class RateLimiter: Sendable {
    let limit: Int
    let window: TimeInterval
    private let events = Mutex<[String: [Date]]>([:])

    init(limit: Int, window: TimeInterval = 60) {
        self.limit = limit
        self.window = window
    }

    /// Records an event for `key`; returns nil when allowed, otherwise seconds until the next
    /// event would be.
    func acquire(_ key: String, now: Date = Date()) -> Int? {
        events.withLock { table in
            var recent = (table[key] ?? []).filter { now.timeIntervalSince($0) < window }
            defer { table[key] = recent }
            if recent.count >= limit {
                return max(1, Int((window - now.timeIntervalSince(recent[0])).rounded(.up)))
            }
            recent.append(now)
            if table.count > 100_000 { table = table.filter { !$0.value.isEmpty } }
            return nil
        }
    }
}
