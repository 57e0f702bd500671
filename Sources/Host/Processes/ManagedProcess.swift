/// A long-running process an apply step asks the host to keep running (a socat port forward):
/// steps are stateless calls, so they declare such processes in their plan output as
/// `"processes": [{"id": "port_forward_7/tcp", "argv": ["socat", ...]}]` and the host's
/// ``ProcessSupervisor`` owns them.
public struct ManagedProcess: Sendable, Hashable {
    /// Unique within the pipeline; also names the pid file.
    public var id: String
    /// The program and its arguments, never a shell line.
    public var argv: [String]
    /// The process's whole environment; nil inherits the host's.
    public var environment: [String: String]?
    /// Programs that set something up and then replace themselves with `argv` (`setpriv` dropping
    /// to another user); the running process is still known by `argv`.
    public var launcher: [String]

    public init(id: String, argv: [String], environment: [String: String]? = nil, launcher: [String] = []) {
        self.id = id
        self.argv = argv
        self.environment = environment
        self.launcher = launcher
    }
}
