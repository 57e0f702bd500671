import CHostSystem
import Glibc

/// A POSIX thread of its own for work that blocks (plugin calls, waiting for a child process),
/// so it never holds one of Swift concurrency's few cooperative threads.
enum DetachedThread {
    private final class Work {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    /// Runs `body` on a new thread named `name`.
    static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let work = Unmanaged.passRetained(
            Work {
                posternproxy_name_thread(name)
                body()
            }
        ).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(
            &thread, nil,
            { raw in
                Unmanaged<Work>.fromOpaque(raw!).takeRetainedValue().body()
                return nil
            }, work)
        precondition(result == 0, "pthread_create failed: \(result)")
        pthread_detach(thread)
    }
}
