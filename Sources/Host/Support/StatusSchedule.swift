/// When a data plane's next status report is due: every `regular` interval, but within
/// `eager` of a change being applied (Caddy starts obtaining a new host's certificate at once)
/// and every `eager` while a certificate is being obtained, so its outcome is seen in seconds.
public actor StatusSchedule {
    public let regular: Duration
    public let eager: Duration
    private var due: ContinuousClock.Instant

    public init(regular: Duration, eager: Duration = .seconds(2)) {
        self.regular = regular
        self.eager = min(eager, regular)
        due = .now
    }

    /// A change was applied: report within `eager` (or `within`, when sooner).
    public func expedite(within: Duration? = nil) {
        due = min(due, .now + min(within ?? eager, eager))
    }

    /// A report was made: the next is due after `eager` while certificates are being obtained,
    /// after `regular` otherwise.
    public func reported(obtainingCertificates: Bool) {
        due = .now + (obtainingCertificates ? eager : regular)
    }

    /// Returns when a report is due (it looks again at least every 250 ms, so an
    /// ``expedite()`` during a long wait is seen); throws when the task is cancelled.
    public func wait() async throws {
        while true {
            let left = due - .now
            if left <= .zero { return }
            try await Task.sleep(for: min(left, .milliseconds(250)))
        }
    }
}
