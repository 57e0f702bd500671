import Synchronization

/// Values read from some tables, by key, so that a hot path does not wait for a database read:
/// each is kept only while no commit has changed those tables since it was read (their
/// ``CommitCounter`` has not moved), and while `isCurrent` still holds for it. A key that
/// reads as nothing is never kept. At most `capacity` values: a full cache starts again empty.
final class CommitBoundCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        var value: Value
        var commits: Int
    }

    private let commits: CommitCounter
    private let capacity: Int
    private let entries = Mutex<[Key: Entry]>([:])

    /// A cache of what is read from the tables whose commits `commits` counts.
    init(commits: CommitCounter, capacity: Int) {
        self.commits = commits
        self.capacity = capacity
    }

    /// The value for `key`: the kept one while it is still true, or else what `read` finds
    /// (nil for nothing), kept for the next call.
    func value(
        for key: Key, isCurrent: (Value) -> Bool = { _ in true }, read: () async throws -> Value?
    ) async rethrows -> Value? {
        // Read before the database: a commit in between makes the kept value stale at once.
        let current = commits.value
        let kept = entries.withLock { entries -> Value? in
            guard let entry = entries[key] else { return nil }
            guard entry.commits == current, isCurrent(entry.value) else {
                entries[key] = nil
                return nil
            }
            return entry.value
        }
        if let kept { return kept }
        guard let value = try await read() else { return nil }
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(value: value, commits: current)
        }
        return value
    }

    /// How many values are kept.
    var count: Int { entries.withLock { $0.count } }
}
