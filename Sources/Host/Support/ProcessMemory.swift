import CHostSystem
import Synchronization

/// The memory of the running process.
public enum ProcessMemory {
    /// The size from which a block gets a mapping of its own while idling.
    static let idlingMappedBlockBytes: Int32 = 128 << 10
    /// Whether freed memory is kept for the next burst (``keepFreedMemory(_:)``).
    private static let keeping = Atomic<Bool>(false)

    /// Hands what malloc keeps but no longer uses back to the system: for a mostly idle process
    /// (the agent) once a burst of work such as an apply is over. Does nothing while freed
    /// memory is kept for the next burst (``keepFreedMemory(_:)``).
    public static func releaseUnused() {
        guard !keeping.load(ordering: .relaxed) else { return }
        posternproxy_release_free_memory()
    }

    /// Sets malloc up for a process that is mostly idle between bursts of work (the agent): every
    /// thread allocates from one arena (an arena per thread only holds memory), and each block
    /// of 128 KiB or more (a desired state, a rendered config, a report) gets a mapping of its
    /// own, returned to the system when it is freed instead of leaving heap pages resident. Call
    /// at start, before any thread.
    public static func configureForIdling() {
        posternproxy_limit_malloc_arenas(1)
        posternproxy_map_blocks_from(idlingMappedBlockBytes)
    }

    /// `true` while bursts come one after another (an agent whose large state changes): blocks
    /// up to 32 MiB come from the heap, and what a burst frees stays there for the next one
    /// instead of going back to the system, since memory taken fresh costs a page fault every
    /// 4 KiB (an agent's apply of 10,000 hosts took some 1,700 of them, 5 ms). `false` idles
    /// again, as ``configureForIdling()`` set up: large blocks mapped of their own, and what
    /// malloc keeps handed back at the next ``releaseUnused()``.
    public static func keepFreedMemory(_ keep: Bool) {
        keeping.store(keep, ordering: .relaxed)
        posternproxy_map_blocks_from(keep ? 32 << 20 : idlingMappedBlockBytes)
        posternproxy_trim_heap_above(keep ? 1 << 30 : idlingMappedBlockBytes)
    }
}
