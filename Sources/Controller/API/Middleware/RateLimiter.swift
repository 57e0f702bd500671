import Foundation
import Synchronization

/// A token bucket per key (a client address, a user, an API token): up to `limit` events at
/// once, refilled at `limit` per `window`. Each key costs a few bytes whatever the limit, so a
/// generous limit for automation is as cheap as a strict one for logins.
final class RateLimiter: Sendable {
    let limit: Int
    let window: TimeInterval
    private struct Bucket {
        var tokens: Double
        var updated: Date
    }
    private let buckets = Mutex<[String: Bucket]>([:])
    /// Keys kept before full buckets (keys idle long enough to have refilled) are dropped.
    private static let maximumKeys = 100_000

    init(limit: Int, window: TimeInterval = 60) {
        self.limit = limit
        self.window = window
    }

    /// Records an event for `key`; returns nil when allowed, otherwise whole seconds until the
    /// next event would be (at least 1), for `Retry-After`.
    func acquire(_ key: String, now: Date = Date()) -> Int? {
        take(key, now: now, consume: true)
    }

    /// Whether `key` could have an event now, without recording one: nil when it could,
    /// otherwise the seconds to wait. For limits that count only failures.
    func wait(_ key: String, now: Date = Date()) -> Int? {
        take(key, now: now, consume: false)
    }

    private func take(_ key: String, now: Date, consume: Bool) -> Int? {
        let rate = Double(limit) / window
        return buckets.withLock { table in
            var bucket = table[key] ?? Bucket(tokens: Double(limit), updated: now)
            bucket.tokens = min(Double(limit), bucket.tokens + max(0, now.timeIntervalSince(bucket.updated)) * rate)
            bucket.updated = now
            defer {
                table[key] = bucket
                if table.count > Self.maximumKeys {
                    table = table.filter { $0.value.tokens + now.timeIntervalSince($0.value.updated) * rate < Double(limit) }
                }
            }
            guard bucket.tokens >= 1 else { return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up))) }
            if consume { bucket.tokens -= 1 }
            return nil
        }
    }
}
