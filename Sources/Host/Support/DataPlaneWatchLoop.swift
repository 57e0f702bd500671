import Logging

/// The watch the controller and every agent keep over their data plane: every `interval` it asks
/// whether the data plane serves what was applied (a Caddy restarted empty, given another config
/// or not answering does not). A problem is noted, reported at once (the status report probes and
/// finds the same problem; it is given 600 ms to go out), then the applied state is given again —
/// at every look while it stays wrong. The end of a problem is reported at once too.
public struct DataPlaneWatchLoop: Sendable {
    public let interval: Duration
    public let schedule: StatusSchedule
    public let logger: Logger
    /// How the log names the data plane ("the data plane", "the local data plane").
    public let subject: String

    public init(interval: Duration, schedule: StatusSchedule, logger: Logger, subject: String = "the data plane") {
        self.interval = interval
        self.schedule = schedule
        self.logger = logger
        self.subject = subject
    }

    /// Runs until the task is cancelled. `check` answers nil when it cannot tell now (an apply
    /// runs); `note` records what it found; `reapply` gives the applied state again.
    public func run(
        check: @Sendable () async -> DataPlaneCheck?, note: @Sendable (String?) async -> Void, reapply: @Sendable () async -> Void
    ) async {
        var reported: String?
        while !Task.isCancelled {
            guard (try? await Task.sleep(for: interval)) != nil else { return }
            guard let found = await check() else { continue }
            await note(found.problem)
            guard let problem = found.problem else {
                if reported != nil {
                    logger.info("\(subject) serves the applied state again")
                    await schedule.expedite(within: .zero)
                    reported = nil
                }
                continue
            }
            if problem != reported { logger.warning("\(subject) does not serve the applied state", metadata: ["problem": "\(problem)"]) }
            reported = problem
            await schedule.expedite(within: .zero)
            try? await Task.sleep(for: .milliseconds(600))
            await reapply()
        }
    }
}
