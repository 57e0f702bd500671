/// What applying did with one resource (`proxy_host_7`): the one type the pipeline report, the
/// agent protocol's `apply_result`, the agent's kept state and the controller's store share.
public struct ResourceOutcome: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        case applied, failed
    }

    public var status: Status
    /// Why it failed, or what the step noted.
    public var message: String?

    public init(status: Status, message: String? = nil) {
        self.status = status
        self.message = message
    }
}
