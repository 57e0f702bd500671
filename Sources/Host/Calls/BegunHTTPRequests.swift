import Synchronization

/// The HTTP requests one pipeline step has begun (`pp_host.http_begin`) and not yet answered,
/// by the number the step was given for each: its plan, apply and verify share one, so a plan
/// may begin a request whose answer its apply reads. Whoever runs the step closes those left
/// unread once it is over (``closeAll()``); letting this go closes them too.
public final class BegunHTTPRequests: Sendable {
    private struct Held: @unchecked Sendable {
        var next: UInt64 = 1
        /// Each request is read on the thread of the call that answers it, one call at a time.
        var open: [UInt64: any BegunHTTPRequest] = [:]
    }

    private let held = Mutex(Held())

    public init() {}

    /// Keeps `request` and returns its number (never 0, never given twice).
    func keep(_ request: any BegunHTTPRequest) -> UInt64 {
        held.withLock { held in
            let id = held.next
            held.next += 1
            held.open[id] = request
            return id
        }
    }

    /// Request `id`, no longer kept; nil when it is not held.
    func take(_ id: UInt64) -> (any BegunHTTPRequest)? {
        held.withLock { $0.open.removeValue(forKey: id) }
    }

    /// How many requests are held, unanswered.
    public var count: Int { held.withLock { $0.open.count } }

    /// Closes every request still held, unread.
    public func closeAll() {
        // Taken out under the lock, closed (let go) outside it.
        let unread = held.withLock { held in
            defer { held.open = [:] }
            return held.open
        }
        withExtendedLifetime(unread) {}
    }
}
