/// The JSON text of one value, serialized once to be written as it is into the documents that
/// hold it (``JSON/serializedItems(_:)``). Made only by serializing a value, so it is always
/// one valid JSON value.
public struct JSONText: Equatable, Sendable {
    /// The value's serialization, without insignificant whitespace.
    public let bytes: [UInt8]

    public init(_ value: JSON) { bytes = value.serialized() }

    /// The value, read back.
    public var value: JSON {
        // Always parses: the text is a serialization.
        (try? JSONParser.parse(bytes)) ?? .null
    }
}
