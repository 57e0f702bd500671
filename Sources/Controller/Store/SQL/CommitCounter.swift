import Synchronization

/// Counts the committed transactions that changed a row of the tables it watches (see
/// ``SQLDatabase/commitCounter(watching:)``). A cache of those tables keeps the count it read
/// before reading them, and what it keeps stays true while the count has not moved: a commit
/// that changes them moves it before its write returns to the writer.
final class CommitCounter: Sendable {
    private let count = Atomic<Int>(0)
    private let blind = Atomic<Bool>(false)

    /// The commits counted so far; a different number at every read once the counter is blind,
    /// so no cache keeps anything by it.
    var value: Int {
        blind.load(ordering: .acquiring) ? count.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue : count.load(ordering: .acquiring)
    }

    /// Counts one commit; called by the engine after the commit, before the write returns.
    func advance() {
        count.wrappingAdd(1, ordering: .releasing)
    }

    /// Marks the counter as unable to see commits (the engine could not watch the tables).
    func becomeBlind() {
        blind.store(true, ordering: .releasing)
        advance()
    }
}
