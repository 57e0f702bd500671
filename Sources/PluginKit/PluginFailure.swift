/// A failure a plugin function reports as its one-line error: ``PluginCall/handle(_:_:)`` turns
/// any thrown error into the call's error text, and this one carries exactly that text.
public struct PluginFailure: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
