/// Any JSON value, kept as it was sent (advanced configuration).
enum JSONValue: Codable, Sendable, Equatable {
    case string(String), number(Double), bool(Bool), null
    case array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer()
        if value.decodeNil() {
            self = .null
        } else if let bool = try? value.decode(Bool.self) {
            self = .bool(bool)
        } else if let number = try? value.decode(Double.self) {
            self = .number(number)
        } else if let string = try? value.decode(String.self) {
            self = .string(string)
        } else if let array = try? value.decode([JSONValue].self) {
            self = .array(array)
        } else {
            self = .object(try value.decode([String: JSONValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var value = encoder.singleValueContainer()
        switch self {
        case .string(let s): try value.encode(s)
        case .number(let n): if n.rounded() == n, abs(n) < 1e15 { try value.encode(Int(n)) } else { try value.encode(n) }
        case .bool(let b): try value.encode(b)
        case .null: try value.encodeNil()
        case .array(let a): try value.encode(a)
        case .object(let o): try value.encode(o)
        }
    }
}

extension KeyedDecodingContainer {
    /// The value at `key`, or `fallback` when absent or null.
    func value<T: Decodable>(_ key: Key, default fallback: @autoclosure () -> T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback()
    }
}
