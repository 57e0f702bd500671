/// Constants of the agent protocol: one WebSocket per server, JSON text messages,
/// each an object with a `type` and the protocol version `v`.
public enum AgentProtocol {
    /// The version both sides speak; a message with another `v` closes the connection.
    public static let version = 1
    /// Where the controller accepts agents.
    public static let path = "/api/agent/ws"
    /// The largest message an agent may send; a larger one closes the connection (1009). A
    /// status report of 10,000 upstreams, 1,000 certificates and the traffic of 20,000 hosts
    /// fits.
    public static let maxAgentMessageBytes = 8 << 20
    /// The largest message the controller sends (a full desired state); agents refuse more.
    public static let maxControllerMessageBytes = 64 << 20
    /// Desired states smaller than this go to agents whole at every change: a patch
    /// (``DesiredStatePatch``) would save little.
    public static let patchableStateBytes = 64 << 10
    /// Prefix of an agent token: `ppg_<server id>_<secret>`.
    public static let tokenPrefix = "ppg_"

    /// Close codes beyond RFC 6455's, in the private range.
    public enum CloseCode {
        /// A newer connection of the same server took over.
        public static let replaced: UInt16 = 4000
        /// The server was deleted or its token replaced.
        public static let revoked: UInt16 = 4001
    }

    /// The server id a token names, read without checking the secret.
    public static func serverID(inToken token: String) -> Int64? {
        guard token.hasPrefix(tokenPrefix) else { return nil }
        let rest = token.dropFirst(tokenPrefix.count)
        guard let separator = rest.firstIndex(of: "_"), let id = Int64(rest[..<separator]), id > 0 else { return nil }
        return id
    }
}
