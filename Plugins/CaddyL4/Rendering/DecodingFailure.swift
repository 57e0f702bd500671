import JSONCore

/// A JSON document that does not decode, described with the snake_case path of the bad value
/// (`desired state: proxy_hosts[2].forward_port: expected a number`).
public struct DecodingFailure: Error, CustomStringConvertible {
    public var description: String

    /// `document` could not be read for `error`.
    public init(_ document: String, _ error: JSONReadError) {
        description = "\(document): \(error)"
    }

    /// Reads `text` as a `T`, or fails naming `document`.
    public static func reading<T: JSONStreamReadable>(_ document: String, as type: T.Type = T.self, from text: some Collection<UInt8>)
        throws(DecodingFailure) -> T
    {
        do {
            return try JSONReader.read(T.self, from: text)
        } catch {
            throw DecodingFailure(document, error)
        }
    }
}
