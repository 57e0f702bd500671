import JSONCore

/// A rendered configuration and the resources that had to be left out of it, with the reason.
public struct RenderResult: Sendable {
    /// Caddy's JSON configuration.
    public var config: JSON
    /// Resources left out: invalid, or needing a Caddy module the server lacks.
    public var rejected: [ResourceKey: String]
    /// Resources rendered into ``config``.
    public var rendered: [ResourceKey]

    /// The configuration's bytes.
    public func serialized() -> [UInt8] { config.serialized() }
}
