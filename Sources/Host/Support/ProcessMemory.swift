import CHostSystem

/// The memory of the running process.
public enum ProcessMemory {
    /// Hands what malloc keeps but no longer uses back to the system: for a mostly idle process
    /// (the agent) once a burst of work such as an apply is over.
    public static func releaseUnused() {
        posternproxy_release_free_memory()
    }

    /// Makes every thread allocate from one malloc arena: for a process whose few threads are
    /// mostly idle (the agent), where an arena per thread only holds memory. Call at start.
    public static func useOneArena() {
        posternproxy_limit_malloc_arenas(1)
    }
}
