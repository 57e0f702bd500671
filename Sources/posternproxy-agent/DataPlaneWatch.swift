import Host
import Logging

/// Notices within `interval` that the data plane stopped serving what was applied — Caddy
/// restarted empty, was given another config, or stopped answering — and puts it right: the
/// next status report goes out at once and says what is wrong, then the running state is
/// applied again (and again at every look while it stays wrong).
struct DataPlaneWatch: Sendable {
    let dataPlane: DataPlane
    let schedule: StatusSchedule
    let interval: Duration
    let logger: Logger

    func run() async {
        var reported: String?
        while !Task.isCancelled {
            guard (try? await Task.sleep(for: interval)) != nil else { return }
            guard let check = await dataPlane.check() else { continue }
            await dataPlane.note(problem: check.problem)
            guard let problem = check.problem else {
                if reported != nil {
                    logger.info("the data plane serves the applied state again")
                    await schedule.expedite(within: .zero)
                    reported = nil
                }
                continue
            }
            if problem != reported { logger.warning("the data plane does not serve the applied state", metadata: ["problem": "\(problem)"]) }
            reported = problem
            // The controller hears of it first (a status report probes and finds the same
            // problem), then the state is applied again.
            await schedule.expedite(within: .zero)
            try? await Task.sleep(for: .milliseconds(600))
            await dataPlane.reconcile()
        }
    }
}
