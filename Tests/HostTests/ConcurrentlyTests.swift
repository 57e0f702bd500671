import Glibc
import PluginKit
import Synchronization
import Testing

/// PluginKit's `concurrently`, which the Caddy step uses to render while Caddy answers.
@Suite struct ConcurrentlyTests {
    @Test(.enabled(if: sysconf(Int32(_SC_NPROCESSORS_ONLN)) > 1))
    func runsTheSideWorkOnAnotherThreadAtTheSameTime() {
        // Each side waits (at most five seconds) for the other to have started: only work that
        // runs at the same time sees both flags.
        let sideStarted = Atomic(false), hereStarted = Atomic(false)
        func waitFor(_ flag: borrowing Atomic<Bool>) -> Bool {
            for _ in 0..<5_000 where !flag.load(ordering: .acquiring) { usleep(1_000) }
            return flag.load(ordering: .acquiring)
        }
        let (side, here) = concurrently({ () -> (pthread_t, Bool) in
            sideStarted.store(true, ordering: .releasing)
            return (pthread_self(), waitFor(hereStarted))
        }, { () -> (pthread_t, Bool) in
            hereStarted.store(true, ordering: .releasing)
            return (pthread_self(), waitFor(sideStarted))
        })
        #expect(side.1 && here.1)
        #expect(pthread_equal(side.0, here.0) == 0)
        #expect(pthread_equal(here.0, pthread_self()) != 0)
    }

    @Test func returnsBothResults() {
        let numbers = Array(1...1_000)
        let (sum, text) = concurrently({ numbers.reduce(0, +) }, { "here" })
        #expect(sum == 500_500)
        #expect(text == "here")
    }
}
