import PluginAPI

/// A plugin ABI version, `major.minor`, as carried by `pp_host_info` and `pp_plugin_descriptor`.
public struct ABIVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: UInt32
    public var minor: UInt32

    public init(major: UInt32, minor: UInt32) {
        self.major = major
        self.minor = minor
    }

    /// The version this host implements: `PP_ABI_MAJOR.PP_ABI_MINOR` from the header.
    public static let host = ABIVersion(major: UInt32(PP_ABI_MAJOR), minor: UInt32(PP_ABI_MINOR))

    public var description: String { "\(major).\(minor)" }

    public static func < (lhs: ABIVersion, rhs: ABIVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }
}
