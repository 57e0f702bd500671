import Foundation
import HummingbirdCore
import Logging

/// How many connections the controller's listeners hold at once; the HTTP channel closes an idle
/// one after `POSTERNPROXY_IDLE_TIMEOUT_SECONDS` [30].
///
/// At start the process raises its file-descriptor limit to what the system allows (a soft
/// limit of 1,024 is used up by about a thousand idle connections), and the listeners together
/// accept at most that limit less `reserve` descriptors (the database, the local Caddy's socket,
/// provisioning sessions, log files): a flood then waits in the kernel's queue instead of
/// starving the process of descriptors. A connection with no request in progress for the idle
/// timeout — an idle keep-alive, or a client still sending its request head (slowloris) — is
/// closed.
struct ConnectionLimits: Sendable {
    static let reserve = 256

    /// `POSTERNPROXY_MAX_CONNECTIONS` [the raised descriptor limit less ``reserve``].
    var maximum: Int

    /// Raises the soft descriptor limit to the hard one and returns both (before, after).
    @discardableResult
    static func raiseDescriptorLimit() -> (before: Int, after: Int) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return (1024, 1024) }
        let before = Int(clamping: limit.rlim_cur)
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { return (before, Int(clamping: raised.rlim_cur)) }
        }
        return (before, before)
    }

    /// The limit for a descriptor limit of `descriptors`, unless configured.
    static func forDescriptors(_ descriptors: Int, configuredMaximum: Int?) -> ConnectionLimits {
        ConnectionLimits(maximum: configuredMaximum ?? max(64, descriptors - reserve))
    }
}

/// Counts the connections of all listeners together and stops accepting new ones at the
/// maximum (they wait in the kernel's queue), saying so in the log at most once a minute.
struct ConnectionCap: AvailableConnectionsDelegate {
    private let counter: Counter
    let maximum: Int

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var open = 0
        private var lastWarning = Date.distantPast
        let logger: Logger

        init(logger: Logger) { self.logger = logger }

        func change(by delta: Int) -> Int {
            lock.withLock {
                open += delta
                return open
            }
        }

        var count: Int { lock.withLock { open } }

        func warnShedding(maximum: Int) {
            let due = lock.withLock {
                guard Date().timeIntervalSince(lastWarning) > 60 else { return false }
                lastWarning = Date()
                return true
            }
            if due {
                logger.warning(
                    "connection limit reached: new connections wait until others close",
                    metadata: ["maximum": "\(maximum)", "setting": "POSTERNPROXY_MAX_CONNECTIONS"])
            }
        }
    }

    init(maximum: Int, logger: Logger) {
        self.maximum = maximum
        counter = Counter(logger: logger)
    }

    /// Another listener's view of the same count.
    init(sharing other: ConnectionCap) {
        maximum = other.maximum
        counter = other.counter
    }

    mutating func connectionOpened() {
        if counter.change(by: 1) >= maximum { counter.warnShedding(maximum: maximum) }
    }

    mutating func connectionClosed() { _ = counter.change(by: -1) }

    func isAcceptingNewConnections() -> Bool { counter.count < maximum }
}
