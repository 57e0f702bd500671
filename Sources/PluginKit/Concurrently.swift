import Glibc

/// Runs two pieces of work at once: `side` on a thread of its own, `here` on the calling thread,
/// and returns both results once both have ended.
///
/// For a plugin call that waits on the host (an admin request) while it could compute. Only
/// `here` may use the host's services: host callbacks are `[call-thread]`, so `side` must be
/// pure work on values it owns. On a single processor, or when no thread can be started, `side`
/// runs after `here` on the calling thread.
public func concurrently<Side, Here>(_ side: () -> Side, _ here: () -> Here) -> (Side, Here) {
    var sideResult: Side?
    return withoutActuallyEscaping({ sideResult = side() }) { body in
        guard sysconf(Int32(_SC_NPROCESSORS_ONLN)) > 1 else {
            let hereResult = here()
            body()
            return (sideResult!, hereResult)
        }
        let retained = Unmanaged.passRetained(SideWork(body))
        var thread = pthread_t()
        let started = pthread_create(&thread, nil, { raw in
            Unmanaged<SideWork>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, retained.toOpaque())
        let hereResult = here()
        if started == 0 {
            pthread_join(thread, nil)
        } else {
            retained.release()
            body()
        }
        return (sideResult!, hereResult)
    }
}

/// The side thread's work, handed to it through `pthread_create`'s argument.
private final class SideWork {
    let body: () -> Void

    init(_ body: @escaping () -> Void) { self.body = body }
}
