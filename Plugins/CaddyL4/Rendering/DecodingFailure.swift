/// A JSON document that does not decode, described with the snake_case path of the bad value
/// (`desired state: proxy_hosts[2].forward_port: expected a number`).
public struct DecodingFailure: Error, CustomStringConvertible {
    public var description: String

    /// Runs `body`, turning a `DecodingError` into a readable ``DecodingFailure``.
    public static func describing<T>(_ document: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DecodingError {
            throw DecodingFailure(description: "\(document): \(explain(error))")
        }
    }

    private static func explain(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(let type, let context): "\(path(context.codingPath)): expected \(name(type))"
        case .valueNotFound(let type, let context): "\(path(context.codingPath)): expected \(name(type)), found null"
        case .keyNotFound(let key, let context): "\(path(context.codingPath + [key])): missing"
        case .dataCorrupted(let context): "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default: "\(error)"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        guard !keys.isEmpty else { return "document" }
        return keys.reduce("") { path, key in
            if let index = key.intValue { return path + "[\(index)]" }
            return (path.isEmpty ? "" : path + ".") + key.stringValue
        }
    }

    private static func name(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: "a number"
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        default: String(describing: type).hasPrefix("Array") ? "a list" : "an object"
        }
    }
}
