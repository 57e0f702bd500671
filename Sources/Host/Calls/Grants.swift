import PluginAPI

/// The effects a plugin call may perform: the `PP_GRANT_*` bits of `pp_host.granted`.
public struct Grants: OptionSet, Sendable {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Commands that are not probes.
    public static let run = Grants(rawValue: UInt32(PP_GRANT_RUN))
    /// Writing and removing files.
    public static let write = Grants(rawValue: UInt32(PP_GRANT_WRITE))
    /// A target exists: probes and reads work.
    public static let target = Grants(rawValue: UInt32(PP_GRANT_TARGET))

    /// Plan and verify: look, do not touch.
    public static let observe: Grants = [.target]
    /// Apply and rollback.
    public static let effects: Grants = [.target, .run, .write]
}
