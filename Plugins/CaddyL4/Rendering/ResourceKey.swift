/// Names one resource of the desired state: `proxy_host 7`. Every Caddy object rendered for it
/// carries an `@id` starting with ``tag`` (`proxy_host_7`, `proxy_host_7/errors`), so the
/// applier can find, blame and remove what belongs to a resource.
public struct ResourceKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var kind: String
    public var id: Int

    public init(kind: String, id: Int) {
        self.kind = kind
        self.id = id
    }

    public var tag: String { "\(kind)_\(id)" }
    public var description: String { "\(kind) \(id)" }

    /// The resource an `@id` belongs to, if it is one of ours.
    public init?(tag: String) {
        let base = tag.split(separator: "/", maxSplits: 1).first.map(String.init) ?? tag
        guard let underscore = base.lastIndex(of: "_"), let id = Int(base[base.index(after: underscore)...]) else { return nil }
        self.init(kind: String(base[..<underscore]), id: id)
    }

    public static func < (lhs: ResourceKey, rhs: ResourceKey) -> Bool {
        (lhs.kind, lhs.id) < (rhs.kind, rhs.id)
    }
}
