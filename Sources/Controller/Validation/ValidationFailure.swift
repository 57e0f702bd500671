/// Input that cannot be stored: names the field and says what is wrong (HTTP 400).
public struct ValidationFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}
