import Synchronization

/// The HTTP requests one pipeline step has begun (`pp_host.http_begin`) and not yet answered,
/// by the number the step was given for each: its plan, apply and verify share one, so a plan
/// may begin a request whose answer its apply reads. Whoever runs the step closes those left
/// unread once it is over (``closeAll()``); letting this go closes them too.
public final class BegunHTTPRequests: Sendable {
    private struct Held: @unchecked Sendable {
        /// Each request is read on the thread of the call that answers it, one call at a time.
        var open: [UInt64: any BegunHTTPRequest] = [:]
    }

    private let held = Mutex(Held())

    /// The next request's number, across every step of this process: a number a plugin kept
    /// past its step (in a plan read again by a later step's apply) never names another step's
    /// request.
    private static let nextNumber = Atomic<UInt64>(1)

    public init() {}

    /// Keeps `request` and returns its number (never 0, never given twice in this process).
    func keep(_ request: any BegunHTTPRequest) -> UInt64 {
        let id = Self.nextNumber.wrappingAdd(1, ordering: .relaxed).oldValue
        held.withLock { $0.open[id] = request }
        return id
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
