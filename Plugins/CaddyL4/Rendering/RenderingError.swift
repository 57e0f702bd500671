/// A resource the renderer leaves out, naming it and the field at fault.
public struct RenderingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var resource: ResourceKey
    public var field: String
    public var message: String

    public init(resource: ResourceKey, field: String, message: String) {
        self.resource = resource
        self.field = field
        self.message = message
    }

    public var description: String { "\(resource): \(field) \(message)" }
}
