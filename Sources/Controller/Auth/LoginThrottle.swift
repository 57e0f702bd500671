import Foundation
import Synchronization

/// Failed password checks per account, with a delay that grows with each one: after
/// `freeFailures` wrong passwords in a row the account's next attempt waits `firstDelay`, and
/// every further failure doubles the wait, up to `longestDelay`. A right password clears the
/// count. Kept per account name whether or not it exists, so the answer does not tell which do;
/// checked before the (slow) password hash, so a locked account costs nothing to refuse.
final class LoginThrottle: Sendable {
    let freeFailures: Int
    let firstDelay: TimeInterval
    let longestDelay: TimeInterval
    private struct Record {
        var failures: Int
        var lockedUntil: Date
    }
    private let records = Mutex<[String: Record]>([:])

    init(freeFailures: Int = 5, firstDelay: TimeInterval = 30, longestDelay: TimeInterval = 15 * 60) {
        self.freeFailures = freeFailures
        self.firstDelay = firstDelay
        self.longestDelay = longestDelay
    }

    /// Seconds the account must still wait (at least 1), or nil when it may try now.
    func wait(for account: String, now: Date = Date()) -> Int? {
        records.withLock { table in
            guard let record = table[account], record.lockedUntil > now else { return nil }
            return max(1, Int(record.lockedUntil.timeIntervalSince(now).rounded(.up)))
        }
    }

    /// Counts a wrong password for `account`.
    func failed(_ account: String, now: Date = Date()) {
        records.withLock { table in
            var record = table[account] ?? Record(failures: 0, lockedUntil: now)
            record.failures += 1
            if record.failures >= freeFailures {
                let doublings = min(record.failures - freeFailures, 20)
                record.lockedUntil = now + min(longestDelay, firstDelay * pow(2, Double(doublings)))
            }
            table[account] = record
            if table.count > 100_000 { table = table.filter { $0.value.lockedUntil > now } }
        }
    }

    /// A right password: the account starts afresh.
    func succeeded(_ account: String) {
        _ = records.withLock { $0.removeValue(forKey: account) }
    }
}
