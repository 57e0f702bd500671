import Synchronization

/// What the local server's applier, health report and watch share about its data plane: whether
/// an apply runs, and what the watch last found wrong. While an apply runs, a probe cannot tell a
/// config being loaded from a problem, so the health report says what the watch found.
final class LocalDataPlaneState: Sendable {
    private let applying = Mutex(false)
    private let problem = Mutex<String?>(nil)

    var isApplying: Bool { applying.withLock { $0 } }
    var knownProblem: String? { problem.withLock { $0 } }

    func setApplying(_ running: Bool) { applying.withLock { $0 = running } }
    func note(problem found: String?) { problem.withLock { $0 = found } }
}
