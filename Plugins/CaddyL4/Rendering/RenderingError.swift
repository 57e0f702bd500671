/// A resource the renderer refuses, naming it and the field at fault.
public struct RenderingError: Error, Sendable, CustomStringConvertible {
    public var resource: String
    public var field: String
    public var message: String

    public var description: String { "\(resource): \(field) \(message)" }

    /// Caddy expands `{...}` placeholders in many string fields; user text must never carry one
    /// (SPEC §8). The controller validates this on input; the renderer checks again.
    static func refusePlaceholders(_ value: String, resource: String, field: String) throws {
        if value.contains("{") || value.contains("}") {
            throw RenderingError(resource: resource, field: field, message: "must not contain `{` or `}`")
        }
    }
}
