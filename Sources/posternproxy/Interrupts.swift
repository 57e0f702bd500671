import Dispatch
import Foundation
import Synchronization

/// Ctrl-C (SIGINT) and SIGTERM while a command runs: the first asks the command to stop cleanly
/// (`onFirst`, for a pipeline run: cancel, so what was applied is rolled back), and says so on
/// standard error; a second one stops the process at once, as the signal would have.
final class Interrupts {
    private let sources: [any DispatchSourceSignal]

    init(onFirst: @escaping @Sendable () -> Void) {
        let received = Received()
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if !received.first() {
                    signal(number, SIG_DFL)
                    raise(number)
                    return
                }
                FileHandle.standardError.write(
                    Data("interrupted: cancelling; what was applied is rolled back (interrupt again to stop at once)\n".utf8))
                onFirst()
            }
            source.resume()
            return source
        }
    }

    /// Gives both signals back their default action.
    func stop() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

/// Whether an interrupt came already.
private final class Received: Sendable {
    private let seen = Mutex(false)

    /// True for the first call only.
    func first() -> Bool {
        seen.withLock { seen in
            defer { seen = true }
            return !seen
        }
    }
}
