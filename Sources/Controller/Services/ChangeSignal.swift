import ServiceLifecycle

/// A wake-up that coalesces: any number of ``signal()`` calls made while its one consumer is
/// busy become a single wake-up. The consumer therefore runs at once after the first change
/// (leading edge) and then once for every batch that arrived meanwhile; there is no fixed delay.
struct ChangeSignal: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for one more pass of the consumer; returns at once.
    func signal() { continuation.yield() }

    /// Ends ``wakeUps`` once a wake-up already waiting (if any) has been taken.
    func finish() { continuation.finish() }

    /// The wake-ups, for exactly one consumer.
    var wakeUps: AsyncStream<Void> { stream }
}

extension ChangeSignal {
    /// Runs `pass` once per wake-up until graceful shutdown of the service calling it: a pass in
    /// progress then finishes, and no new one starts.
    func follow(_ pass: () async -> Void) async {
        await withGracefulShutdownHandler {
            for await _ in wakeUps {
                guard !Task.isShuttingDownGracefully else { break }
                await pass()
            }
        } onGracefulShutdown: {
            finish()
        }
    }
}
