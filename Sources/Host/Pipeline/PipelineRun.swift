import FoundationEssentials
import Glibc

/// A pipeline that is running: its events as they happen, its final report, and a way to stop it.
public final class PipelineRun: Sendable {
    /// Every event of the run, in order, ending with ``PipelineEvent/finished(_:)``. Buffered,
    /// so a consumer that starts late misses nothing. One consumer.
    public let events: AsyncStream<PipelineEvent>

    private let cancellation = CancellationFlag()
    private let completion: Task<PipelineReport, Never>

    init(body: @escaping @Sendable (CancellationFlag, @escaping @Sendable (PipelineEvent) -> Void) -> PipelineReport) {
        let (events, continuation) = AsyncStream.makeStream(of: PipelineEvent.self, bufferingPolicy: .unbounded)
        self.events = events
        let cancellation = cancellation
        completion = Task {
            await withCheckedContinuation { (done: CheckedContinuation<PipelineReport, Never>) in
                DetachedThread.start(name: "pp-pipeline") {
                    let report = body(cancellation) { continuation.yield($0) }
                    continuation.yield(.finished(report))
                    continuation.finish()
                    done.resume(returning: report)
                }
            }
        }
    }

    /// Asks the run to stop at its next safe point; completed steps are then rolled back.
    public func cancel() {
        cancellation.cancel()
    }

    /// Waits for the run to end.
    public func report() async -> PipelineReport {
        await completion.value
    }
}
