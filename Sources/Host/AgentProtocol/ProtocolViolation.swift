/// A message that breaks the protocol: not JSON, an unknown type, another version, a missing or
/// mistyped field. The receiver closes the connection with ``reason``.
public struct ProtocolViolation: Error, Equatable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) { self.reason = reason }

    public var description: String { reason }
}
