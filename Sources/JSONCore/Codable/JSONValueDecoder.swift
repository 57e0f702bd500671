/// Decodes a `Decodable` value from a ``JSON`` value, the way the API reads request bodies: one
/// parse (``JSONParser``), then decoding with the exact path of every failure.
///
/// Strict where Foundation's decoder is lenient: a member of an object that the type never asks
/// for is refused (``UnknownMembers/refuse``) with its path, so a misspelled or misplaced field is
/// an error instead of a silent no-op; a fractional number where a whole one belongs is refused
/// naming its member; null members count as absent. A member counts as read when the type asks
/// for it (`decode`, `decodeIfPresent`, `contains`, `allKeys`), so a type that reads a member only
/// on some paths (`a ?? b`) must still ask for both.
public struct JSONValueDecoder {
    /// What decoding does with members a type does not read.
    public enum UnknownMembers: Sendable {
        /// A `DecodingError.dataCorrupted` whose coding path ends at the first unknown member.
        case refuse
        case ignore
    }

    public var unknownMembers: UnknownMembers

    public init(unknownMembers: UnknownMembers = .refuse) { self.unknownMembers = unknownMembers }

    /// The message of the error that refuses an unknown member.
    public static let unknownMemberProblem = "is not a field here"

    public func decode<T: Decodable>(_ type: T.Type, from value: JSON) throws -> T {
        let reads = MemberReads()
        let decoded = try ValueDecoder(value: value, codingPath: [], reads: reads).decode(T.self)
        if unknownMembers == .refuse, let unknown = reads.firstUnread() {
            throw DecodingError.dataCorrupted(.init(codingPath: unknown, debugDescription: Self.unknownMemberProblem))
        }
        return decoded
    }
}

/// Which members of each object decoded so far the decoding type asked for.
final class MemberReads {
    final class Object {
        let path: [any CodingKey]
        /// Names of the members that are not null.
        let names: [String]
        var read: Set<String> = []
        var readsAll = false

        init(path: [any CodingKey], names: [String]) {
            self.path = path
            self.names = names
        }
    }

    private var objects: [Object] = []
    /// The objects by path: a type may read one object through several containers.
    private var byPath: [String: Object] = [:]

    func track(path: [any CodingKey], members: [(String, JSON)]) -> Object {
        let key = path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        if let known = byPath[key] { return known }
        let object = Object(path: path, names: members.filter { $0.1 != .null }.map(\.0))
        objects.append(object)
        byPath[key] = object
        return object
    }

    /// The path of the first member no type asked for: outer objects first, then by name.
    func firstUnread() -> [any CodingKey]? {
        for object in objects where !object.readsAll {
            if let name = object.names.filter({ !object.read.contains($0) }).min() { return object.path + [MemberKey(name)] }
        }
        return nil
    }
}

/// Decodes one value at one path.
struct ValueDecoder: Decoder, JSONValueDecoding {
    let value: JSON
    let codingPath: [any CodingKey]
    let reads: MemberReads
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == JSON.self { return value as! T }
        return try T(from: self)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw mismatch([String: JSON].self) }
        return KeyedDecodingContainer(KeyedContainer<Key>(members: members, decoder: self, object: reads.track(path: codingPath, members: members)))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard let items = value.arrayValue else { throw mismatch([JSON].self) }
        return UnkeyedContainer(items: items, decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func child(_ value: JSON, _ key: any CodingKey) -> ValueDecoder {
        ValueDecoder(value: value, codingPath: codingPath + [key], reads: reads)
    }

    func mismatch(_ type: Any.Type) -> DecodingError {
        if value == .null { return .valueNotFound(type, .init(codingPath: codingPath, debugDescription: "the value is null")) }
        return .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "the value is \(value.kindName)"))
    }

    func bool() throws -> Bool {
        guard case .bool(let bool) = value else { throw mismatch(Bool.self) }
        return bool
    }

    func string() throws -> String {
        guard case .string(let text) = value else { throw mismatch(String.self) }
        return text
    }

    func double() throws -> Double {
        switch value {
        case .int(let int): return Double(int)
        case .double(let double): return double
        default: throw mismatch(Double.self)
        }
    }

    /// A whole number that fits `type`; a fraction or an out-of-range number is a type mismatch.
    func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        switch value {
        case .int(let int): if let exact = I(exactly: int) { return exact }
        case .double(let double): if let exact = I(exactly: double) { return exact }
        default: break
        }
        throw mismatch(I.self)
    }
}

extension ValueDecoder: SingleValueDecodingContainer {
    func decodeNil() -> Bool { value == .null }
    func decode(_ type: Bool.Type) throws -> Bool { try bool() }
    func decode(_ type: String.Type) throws -> String { try string() }
    func decode(_ type: Double.Type) throws -> Double { try double() }
    func decode(_ type: Float.Type) throws -> Float { try Float(double()) }
    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [(String, JSON)]
    let decoder: ValueDecoder
    let object: MemberReads.Object

    var codingPath: [any CodingKey] { decoder.codingPath }

    var allKeys: [Key] {
        object.readsAll = true
        return members.compactMap { Key(stringValue: $0.0) }
    }

    private func lookup(_ key: Key) -> JSON? {
        object.read.insert(key.stringValue)
        return members.last { $0.0 == key.stringValue }?.1
    }

    private func member(_ key: Key) throws -> ValueDecoder {
        guard let value = lookup(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no member \(key.stringValue)"))
        }
        return decoder.child(value, key)
    }

    func contains(_ key: Key) -> Bool { lookup(key) != nil }
    func decodeNil(forKey key: Key) throws -> Bool { try member(key).value == .null }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try member(key).decode(type) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try member(key).decode(type) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try member(key).decode(type) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try member(key).decode(type) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try member(key).decode(type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try member(key).decode(type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try member(key).decode(type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try member(key).decode(type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try member(key).decode(type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try member(key).decode(type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try member(key).decode(type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try member(key).decode(type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try member(key).decode(type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try member(key).decode(type) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try member(key).decode(type) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try member(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try member(key).unkeyedContainer() }
    func superDecoder() throws -> any Decoder { decoder.child(.object(members), MemberKey("super")) }
    func superDecoder(forKey key: Key) throws -> any Decoder { decoder.child(lookup(key) ?? .null, key) }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let items: [JSON]
    let decoder: ValueDecoder
    private(set) var currentIndex = 0

    init(items: [JSON], decoder: ValueDecoder) {
        self.items = items
        self.decoder = decoder
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private mutating func next() throws -> ValueDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                JSON.self, .init(codingPath: codingPath + [MemberKey(index: currentIndex)], debugDescription: "the list has no more items"))
        }
        defer { currentIndex += 1 }
        return decoder.child(items[currentIndex], MemberKey(index: currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }
    mutating func decode(_ type: Bool.Type) throws -> Bool { try next().decode(type) }
    mutating func decode(_ type: String.Type) throws -> String { try next().decode(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try next().decode(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try next().decode(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try next().decode(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next().decode(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next().decode(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next().decode(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next().decode(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next().decode(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next().decode(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next().decode(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next().decode(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next().decode(type) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decode(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}

extension JSON {
    /// What kind of value this is, for error messages.
    var kindName: String {
        switch self {
        case .string: "a string"
        case .int, .double: "a number"
        case .bool: "true or false"
        case .array, .serializedItems: "a list"
        case .object: "an object"
        case .null: "null"
        }
    }
}
