import CHostSystem

/// The memory of the running process.
public enum ProcessMemory {
    /// Hands what malloc keeps but no longer uses back to the system: for a mostly idle process
    /// (the agent) once a burst of work such as an apply is over.
    public static func releaseUnused() {
        posternproxy_release_free_memory()
    }

    /// Sets malloc up for a process that is mostly idle between bursts of work (the agent): every
    /// thread allocates from one arena (an arena per thread only holds memory), and each block
    /// of 128 KiB or more (a desired state, a rendered config, a report) gets a mapping of its
    /// own, returned to the system when it is freed instead of leaving heap pages resident. Call
    /// at start, before any thread.
    public static func configureForIdling() {
        posternproxy_limit_malloc_arenas(1)
        posternproxy_map_blocks_from(128 << 10)
    }
}
