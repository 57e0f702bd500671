import Glibc
import Synchronization

/// A pipeline that is running: its events as they happen, its final report, and a way to stop it.
public final class PipelineRun: Sendable {
    /// Every event of the run, in order, ending with ``PipelineEvent/finished(_:)``. Buffered,
    /// so a consumer that starts late misses nothing. One consumer.
    public let events: AsyncStream<PipelineEvent>

    private let cancellation = CancellationFlag()
    private let outcome = Mutex(Outcome.running(waiting: []))
    /// When each phase of each step began, and when the run ended, taken on the run's thread as
    /// they happen (a consumer of ``events`` sees them later).
    private let timeline = Mutex<(phases: [(step: StepReference, phase: StepPhase, at: ContinuousClock.Instant)], end: ContinuousClock.Instant?)>(
        ([], nil))

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
            let report = body(cancellation) { event in
                if case .phaseStarted(let step, let phase) = event { self.timeline.withLock { $0.phases.append((step, phase, .now)) } }
                continuation.yield(event)
            }
            timeline.withLock { $0.end = .now }
            continuation.yield(.finished(report))
            continuation.finish()
            finish(with: report)
        }
    }

    /// How long each phase the run began took, in order: until the next phase began, or the run
    /// ended (so a phase's time includes the host's work between phases). Empty while running.
    public func phaseDurations() -> [(step: StepReference, phase: StepPhase, duration: Duration)] {
        timeline.withLock { timeline in
            guard let end = timeline.end else { return [] }
            return timeline.phases.enumerated().map { index, began in
                let next = index + 1 < timeline.phases.count ? timeline.phases[index + 1].at : end
                return (began.step, began.phase, next - began.at)
            }
        }
    }

    /// ``phaseDurations()`` for a log line: `posternproxy.caddy plan 12.3, posternproxy.caddy apply 210.0`.
    public var phaseDurationsText: String {
        phaseDurations().map { "\($0.step.plugin) \($0.phase) \($0.duration.millisecondsText)" }.joined(separator: ", ")
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
