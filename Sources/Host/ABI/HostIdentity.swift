/// Who is loading plugins: told to every plugin's entry function through `pp_host_info`.
public struct HostIdentity: Sendable {
    /// `posternproxy`, `posternproxy-agent`, ...
    public var name: String
    /// The host program's version.
    public var version: String

    public init(name: String, version: String) {
        self.name = name
        self.version = version
    }

    /// The version of PosternProxy this source tree builds.
    public static let productVersion = "0.1.0"
}
