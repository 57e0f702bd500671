import ServiceLifecycle

/// A service that runs `pass` after changes, coalesced as ``ChangeSignal`` does, until graceful
/// shutdown.
struct ChangeFollower: Service {
    private let changes = ChangeSignal()
    let pass: @Sendable () async -> Void

    /// Asks for one more pass; returns at once.
    func changed() { changes.signal() }

    func run() async {
        await changes.follow(pass)
    }
}
