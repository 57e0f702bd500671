import Foundation

/// Runs blocking work — a child process the test waits for, such as a browser session or a
/// provisioning log — on a thread of its own. Swift's cooperative pool has one thread per core,
/// and the tests of every suite run on it at once: a test that blocks one of those threads for a
/// minute stalls every other test beside it.
public func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}
