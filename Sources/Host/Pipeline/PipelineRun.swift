import Glibc
import Synchronization

/// A pipeline that is running: its events as they happen, its final report, and a way to stop it.
public final class PipelineRun: Sendable {
    /// Every event of the run, in order, ending with ``PipelineEvent/finished(_:)``. Buffered,
    /// so a consumer that starts late misses nothing. One consumer.
    public let events: AsyncStream<PipelineEvent>

    private let cancellation = CancellationFlag()
    private let outcome = Mutex(Outcome.running(waiting: []))

    private enum Outcome {
        case running(waiting: [CheckedContinuation<PipelineReport, Never>])
        case finished(PipelineReport)
    }

    /// Starts `body` on a thread of its own at once: no task has to be scheduled first, so the
    /// first plugin call begins within microseconds of the change that asked for it.
    init(body: @escaping @Sendable (CancellationFlag, @escaping @Sendable (PipelineEvent) -> Void) -> PipelineReport) {
        let (events, continuation) = AsyncStream.makeStream(of: PipelineEvent.self, bufferingPolicy: .unbounded)
        self.events = events
        DetachedThread.start(name: "pp-pipeline") { [self] in
            let report = body(cancellation) { continuation.yield($0) }
            continuation.yield(.finished(report))
            continuation.finish()
            finish(with: report)
        }
    }

    /// Asks the run to stop at its next safe point; completed steps are then rolled back.
    public func cancel() {
        cancellation.cancel()
    }

    /// Waits for the run to end.
    public func report() async -> PipelineReport {
        await withCheckedContinuation { waiter in
            let report = outcome.withLock { outcome -> PipelineReport? in
                switch outcome {
                case .finished(let report):
                    return report
                case .running(var waiting):
                    waiting.append(waiter)
                    outcome = .running(waiting: waiting)
                    return nil
                }
            }
            if let report { waiter.resume(returning: report) }
        }
    }

    private func finish(with report: PipelineReport) {
        let waiting = outcome.withLock { outcome in
            guard case .running(let waiting) = outcome else { return [CheckedContinuation<PipelineReport, Never>]() }
            outcome = .finished(report)
            return waiting
        }
        for waiter in waiting { waiter.resume(returning: report) }
    }
}
