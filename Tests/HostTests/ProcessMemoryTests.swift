import Glibc
import Testing

@testable import Host

/// Freed memory kept for the next burst: a large block freed while it is kept is reused without
/// page faults, where an idling process maps it afresh and faults on every page again.
struct ProcessMemoryTests {
    /// Page faults this thread takes to allocate 8 MiB, write all of it, and free it.
    private static func faultsUsingABlock() -> Int {
        var before = rusage()
        getrusage(__rusage_who_t(1), &before)  // RUSAGE_THREAD: other tests' threads do not count
        let block = UnsafeMutableRawPointer.allocate(byteCount: 8 << 20, alignment: 16)
        block.initializeMemory(as: UInt8.self, repeating: 1, count: 8 << 20)
        block.deallocate()
        var after = rusage()
        getrusage(__rusage_who_t(1), &after)
        return after.ru_minflt - before.ru_minflt
    }

    @Test func aLargeBlockFreedWhileMemoryIsKeptIsReusedWithoutPageFaults() {
        defer { ProcessMemory.keepFreedMemory(false) }
        ProcessMemory.keepFreedMemory(false)
        _ = Self.faultsUsingABlock()
        let idling = Self.faultsUsingABlock()

        ProcessMemory.keepFreedMemory(true)
        _ = Self.faultsUsingABlock()
        let keeping = Self.faultsUsingABlock()
        #expect(keeping * 4 < idling, "\(keeping) page faults reusing a kept block, \(idling) mapping it afresh")
    }
}
