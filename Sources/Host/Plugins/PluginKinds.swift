import PluginAPI

/// What a plugin is for: the `PP_KIND_*` bits of its descriptor.
public struct PluginKinds: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Pure: desired state in, artifact out.
    public static let renderer = PluginKinds(rawValue: UInt32(PP_KIND_RENDERER))
    /// Pipeline step: plan, apply, verify, rollback.
    public static let step = PluginKinds(rawValue: UInt32(PP_KIND_STEP))
    /// Declarative actions the host executes.
    public static let profile = PluginKinds(rawValue: UInt32(PP_KIND_PROFILE))
    /// Reaches a target: commands and files.
    public static let transport = PluginKinds(rawValue: UInt32(PP_KIND_TRANSPORT))

    /// Every kind this host knows, with its name and the interface that serves it.
    public static let known: [(kind: PluginKinds, name: String, interface: String)] = [
        (.renderer, "renderer", PP_INTERFACE_RENDERER),
        (.step, "step", PP_INTERFACE_STEP),
        (.profile, "profile", PP_INTERFACE_PROFILE),
        (.transport, "transport", PP_INTERFACE_TRANSPORT),
    ]

    /// Bits this host does not know.
    public var unknownBits: UInt32 {
        rawValue & ~Self.known.reduce(0) { $0 | $1.kind.rawValue }
    }

    /// Kind names joined with `,` ("renderer,step").
    public var description: String {
        Self.known.filter { contains($0.kind) }.map(\.name).joined(separator: ",")
    }
}
