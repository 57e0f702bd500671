/// Encodes an `Encodable` value as a ``JSON`` value, which ``JSON/serialized()`` writes: the
/// API's responses and stored payloads go through the same model as its request bodies.
///
/// Object members keep the order the type encodes them in (a synthesized `Encodable` writes its
/// properties in declaration order); nil optionals are left out; a ``JSON`` is taken as it is;
/// a non-finite number is refused with its path.
public struct JSONValueEncoder {
    public init() {}

    public func encode<T: Encodable>(_ value: T) throws -> JSON {
        if let json = value as? JSON { return json }
        let root = EncodingNode()
        try value.encode(to: ValueEncoder(node: root, codingPath: []))
        return root.json
    }
}

/// A value being encoded; containers fill it in place.
final class EncodingNode {
    enum Content {
        case empty
        case value(JSON)
        case object(names: [String], nodes: [EncodingNode])
        case array([EncodingNode])
    }

    var content = Content.empty

    var json: JSON {
        switch content {
        case .empty: .object([])
        case .value(let value): value
        case .object(let names, let nodes): .object(zip(names, nodes).map { ($0, $1.json) })
        case .array(let nodes): .array(nodes.map(\.json))
        }
    }

    /// The node of member `name`, replacing what an earlier encode of the same name wrote.
    func member(_ name: String) -> EncodingNode {
        guard case .object(var names, var nodes) = content else {
            let node = EncodingNode()
            content = .object(names: [name], nodes: [node])
            return node
        }
        let node = EncodingNode()
        if let index = names.firstIndex(of: name) {
            nodes[index] = node
        } else {
            names.append(name)
            nodes.append(node)
        }
        content = .object(names: names, nodes: nodes)
        return node
    }

    func makeObject() {
        if case .object = content { return }
        content = .object(names: [], nodes: [])
    }

    func makeArray() {
        if case .array = content { return }
        content = .array([])
    }

    func append() -> EncodingNode {
        let node = EncodingNode()
        if case .array(var nodes) = content {
            nodes.append(node)
            content = .array(nodes)
        } else {
            content = .array([node])
        }
        return node
    }

    var count: Int {
        if case .array(let nodes) = content { return nodes.count }
        return 0
    }
}

/// Encodes one value at one path into its node.
struct ValueEncoder: Encoder, JSONValueEncoding {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func store(_ value: JSON) { node.content = .value(value) }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.makeObject()
        return KeyedEncodingContainer(KeyedContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.makeArray()
        return UnkeyedContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    static func encode<T: Encodable>(_ value: T, into node: EncodingNode, at path: [any CodingKey]) throws {
        if let json = value as? JSON {
            node.content = .value(json)
        } else {
            try value.encode(to: ValueEncoder(node: node, codingPath: path))
        }
    }
}

extension ValueEncoder: SingleValueEncodingContainer {
    func encodeNil() { node.content = .value(.null) }
    func encode<T: Encodable>(_ value: T) throws { try Self.encode(value, into: node, at: codingPath) }
    func encode(_ value: Bool) throws { node.content = .value(.bool(value)) }
    func encode(_ value: String) throws { node.content = .value(.string(value)) }
    func encode(_ value: Double) throws { node.content = .value(try JSON(number: value, at: codingPath)) }
    func encode(_ value: Float) throws { node.content = .value(try JSON(number: Double(value), at: codingPath)) }
    func encode(_ value: Int) throws { node.content = .value(try JSON(integer: value, at: codingPath)) }
    func encode(_ value: Int8) throws { node.content = .value(try JSON(integer: value, at: codingPath)) }
    func encode(_ value: Int16) throws { node.content = .value(try JSON(integer: value, at: codingPath)) }
    func encode(_ value: Int32) throws { node.content = .value(try JSON(integer: value, at: codingPath)) }
    func encode(_ value: Int64) throws { node.content = .value(try JSON(integer: value, at: codingPath)) }
    func encode(_ value: UInt) throws { node.content = .value(try JSON(integer: value, at: codingPath)) }
    func encode(_ value: UInt8) throws { node.content = .value(try JSON(integer: value, at: codingPath)) }
    func encode(_ value: UInt16) throws { node.content = .value(try JSON(integer: value, at: codingPath)) }
    func encode(_ value: UInt32) throws { node.content = .value(try JSON(integer: value, at: codingPath)) }
    func encode(_ value: UInt64) throws { node.content = .value(try JSON(integer: value, at: codingPath)) }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: EncodingNode
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { node.member(key.stringValue).content = .value(.null) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { node.member(key.stringValue).content = .value(.bool(value)) }
    mutating func encode(_ value: String, forKey key: Key) throws { node.member(key.stringValue).content = .value(.string(value)) }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        node.member(key.stringValue).content = .value(try JSON(number: value, at: codingPath + [key]))
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        node.member(key.stringValue).content = .value(try JSON(number: Double(value), at: codingPath + [key]))
    }
    mutating func encode(_ value: Int, forKey key: Key) throws {
        node.member(key.stringValue).content = .value(try JSON(integer: value, at: codingPath + [key]))
    }
    mutating func encode(_ value: Int8, forKey key: Key) throws {
        node.member(key.stringValue).content = .value(try JSON(integer: value, at: codingPath + [key]))
    }
    mutating func encode(_ value: Int16, forKey key: Key) throws {
        node.member(key.stringValue).content = .value(try JSON(integer: value, at: codingPath + [key]))
    }
    mutating func encode(_ value: Int32, forKey key: Key) throws {
        node.member(key.stringValue).content = .value(try JSON(integer: value, at: codingPath + [key]))
    }
    mutating func encode(_ value: Int64, forKey key: Key) throws {
        node.member(key.stringValue).content = .value(try JSON(integer: value, at: codingPath + [key]))
    }
    mutating func encode(_ value: UInt, forKey key: Key) throws {
        node.member(key.stringValue).content = .value(try JSON(integer: value, at: codingPath + [key]))
    }
    mutating func encode(_ value: UInt8, forKey key: Key) throws {
        node.member(key.stringValue).content = .value(try JSON(integer: value, at: codingPath + [key]))
    }
    mutating func encode(_ value: UInt16, forKey key: Key) throws {
        node.member(key.stringValue).content = .value(try JSON(integer: value, at: codingPath + [key]))
    }
    mutating func encode(_ value: UInt32, forKey key: Key) throws {
        node.member(key.stringValue).content = .value(try JSON(integer: value, at: codingPath + [key]))
    }
    mutating func encode(_ value: UInt64, forKey key: Key) throws {
        node.member(key.stringValue).content = .value(try JSON(integer: value, at: codingPath + [key]))
    }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try ValueEncoder.encode(value, into: node.member(key.stringValue), at: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        ValueEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        ValueEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { ValueEncoder(node: node.member("super"), codingPath: codingPath + [MemberKey("super")]) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { ValueEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]) }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    var count: Int { node.count }

    private var nextPath: [any CodingKey] { codingPath + [MemberKey(index: count)] }

    mutating func encodeNil() throws { node.append().content = .value(.null) }
    mutating func encode(_ value: Bool) throws { node.append().content = .value(.bool(value)) }
    mutating func encode(_ value: String) throws { node.append().content = .value(.string(value)) }
    mutating func encode(_ value: Double) throws { node.append().content = .value(try JSON(number: value, at: nextPath)) }
    mutating func encode(_ value: Float) throws { node.append().content = .value(try JSON(number: Double(value), at: nextPath)) }
    mutating func encode(_ value: Int) throws { node.append().content = .value(try JSON(integer: value, at: nextPath)) }
    mutating func encode(_ value: Int8) throws { node.append().content = .value(try JSON(integer: value, at: nextPath)) }
    mutating func encode(_ value: Int16) throws { node.append().content = .value(try JSON(integer: value, at: nextPath)) }
    mutating func encode(_ value: Int32) throws { node.append().content = .value(try JSON(integer: value, at: nextPath)) }
    mutating func encode(_ value: Int64) throws { node.append().content = .value(try JSON(integer: value, at: nextPath)) }
    mutating func encode(_ value: UInt) throws { node.append().content = .value(try JSON(integer: value, at: nextPath)) }
    mutating func encode(_ value: UInt8) throws { node.append().content = .value(try JSON(integer: value, at: nextPath)) }
    mutating func encode(_ value: UInt16) throws { node.append().content = .value(try JSON(integer: value, at: nextPath)) }
    mutating func encode(_ value: UInt32) throws { node.append().content = .value(try JSON(integer: value, at: nextPath)) }
    mutating func encode(_ value: UInt64) throws { node.append().content = .value(try JSON(integer: value, at: nextPath)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        let path = nextPath
        try ValueEncoder.encode(value, into: node.append(), at: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = nextPath
        return ValueEncoder(node: node.append(), codingPath: path).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = nextPath
        return ValueEncoder(node: node.append(), codingPath: path).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let path = nextPath
        return ValueEncoder(node: node.append(), codingPath: path)
    }
}

extension JSON {
    /// A finite number: whole ones that fit are `int`.
    init(number: Double, at path: [any CodingKey]) throws {
        guard number.isFinite else {
            throw EncodingError.invalidValue(number, .init(codingPath: path, debugDescription: "\(number) is not a JSON number"))
        }
        if let whole = Int(exactly: number) { self = .int(whole) } else { self = .double(number) }
    }

    /// A whole number; one beyond `Int` (a large `UInt64`) is written as a `double`.
    init<I: FixedWidthInteger>(integer: I, at path: [any CodingKey]) throws {
        if let value = Int(exactly: integer) { self = .int(value) } else { self = .double(Double(integer)) }
    }
}
