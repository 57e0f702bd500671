import CHostSystem

/// The memory of the running process.
public enum ProcessMemory {
    /// Hands what malloc keeps but no longer uses back to the system: for a mostly idle process
    /// (the agent) once a burst of work such as an apply is over.
    public static func releaseUnused() {
        posternproxy_release_free_memory()
    }
}
