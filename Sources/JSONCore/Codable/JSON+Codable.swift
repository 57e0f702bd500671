/// ``JSON`` as a Codable value: any JSON a decoder holds, kept as it was sent (free-form members
/// such as raw Caddy routes), and written back as it is.
extension JSON: Codable {
    public init(from decoder: any Decoder) throws {
        if let direct = decoder as? JSONValueDecoding {
            self = direct.value
            return
        }
        if let object = try? decoder.container(keyedBy: MemberKey.self) {
            self = .object(try object.allKeys.map { ($0.stringValue, try object.decode(JSON.self, forKey: $0)) })
            return
        }
        if var array = try? decoder.unkeyedContainer() {
            var items: [JSON] = []
            while !array.isAtEnd { items.append(try array.decode(JSON.self)) }
            self = .array(items)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            self = .null
        } else if let bool = try? single.decode(Bool.self) {
            self = .bool(bool)
        } else if let int = try? single.decode(Int.self) {
            self = .int(int)
        } else if let double = try? single.decode(Double.self) {
            self = .double(double)
        } else {
            self = .string(try single.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        if let direct = encoder as? JSONValueEncoding {
            direct.store(self)
            return
        }
        switch self {
        case .object(let members):
            var object = encoder.container(keyedBy: MemberKey.self)
            for (key, value) in members { try object.encode(value, forKey: MemberKey(key)) }
        case .array(let items):
            var array = encoder.unkeyedContainer()
            for item in items { try array.encode(item) }
        case .serializedItems(let items):
            var array = encoder.unkeyedContainer()
            for item in items { try array.encode(item.value) }
        case .string(let text):
            var single = encoder.singleValueContainer()
            try single.encode(text)
        case .int(let value):
            var single = encoder.singleValueContainer()
            try single.encode(value)
        case .double(let value):
            var single = encoder.singleValueContainer()
            try single.encode(value)
        case .bool(let value):
            var single = encoder.singleValueContainer()
            try single.encode(value)
        case .null:
            var single = encoder.singleValueContainer()
            try single.encodeNil()
        }
    }
}

/// An object member's name as a coding key.
struct MemberKey: CodingKey, Hashable {
    var stringValue: String
    var intValue: Int?

    init(_ name: String) { stringValue = name }
    init(index: Int) {
        stringValue = "\(index)"
        intValue = index
    }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { self.init(index: intValue) }
}

/// The decoder of ``JSONValueDecoder``, which hands a ``JSON`` its value without taking it apart.
protocol JSONValueDecoding {
    var value: JSON { get }
}

/// The encoder of ``JSONValueEncoder``, which takes a ``JSON`` as it is.
protocol JSONValueEncoding {
    func store(_ value: JSON)
}
