import JSONCore

/// Reads client input (a request body, a stored payload merged with one) into the domain's
/// Codable types, strictly: a member the type does not know, a value of the wrong type, a
/// fraction where a whole number belongs or a missing required member is refused naming the
/// field's path (`locations[1].forward_port`), before anything is stored.
enum JSONInput {
    static func decode<T: Decodable>(_ type: T.Type, from value: JSON) throws(DomainError) -> T {
        do {
            return try JSONValueDecoder().decode(type, from: value)
        } catch let error as DecodingError {
            throw .invalid(ValidationFailure(fieldPath(error) ?? "", describe(error)))
        } catch {
            throw .invalid(ValidationFailure("", "\(error)"))
        }
    }

    /// The members of the object `value` whose names are in `names`, in their order.
    static func members(of value: JSON, in names: Set<String>) -> JSON {
        guard case .object(let members) = value else { return value }
        return .object(members.filter { names.contains($0.0) })
    }

    /// `codingPath` as the API names a field: `items[0].address`.
    static func fieldPath(_ error: DecodingError) -> String? {
        let path: [any CodingKey]
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): path = context.codingPath
        case .keyNotFound(let key, let context): path = context.codingPath + [key]
        @unknown default: return nil
        }
        guard !path.isEmpty else { return nil }
        return path.reduce("") { result, key in
            if let index = key.intValue { return result + "[\(index)]" }
            return result.isEmpty ? key.stringValue : result + "." + key.stringValue
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(let type, _): "must be \(typeName(type))"
        case .valueNotFound(let type, _): "must be \(typeName(type)), not null"
        case .keyNotFound: "is required"
        case .dataCorrupted(let context): context.codingPath.isEmpty ? "has a value of the wrong type" : context.debugDescription
        @unknown default: "is invalid"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is any FixedWidthInteger.Type: "a whole number"
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Double.Type, is Float.Type: "a number"
        default: String(describing: type).hasPrefix("Array") ? "a list" : "an object"
        }
    }
}
