/// A long-running process an apply step asks the host to keep running (a socat port forward):
/// steps are stateless calls, so they declare such processes in their plan output as
/// `"processes": [{"id": "port_forward_7/tcp", "argv": ["socat", ...]}]` and the host's
/// ``ProcessSupervisor`` owns them.
public struct ManagedProcess: Sendable, Hashable {
    /// Unique within the pipeline; also names the pid file.
    public var id: String
    /// The program and its arguments, never a shell line.
    public var argv: [String]

    public init(id: String, argv: [String]) {
        self.id = id
        self.argv = argv
    }
}
