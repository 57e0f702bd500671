/// Runs `body` on a thread of its own and returns what it returns: for a plugin call that blocks
/// (on Caddy's admin API), which must not hold one of the few cooperative threads.
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DetachedThread.start(name: "blocking call") { continuation.resume(returning: body()) }
    }
}
