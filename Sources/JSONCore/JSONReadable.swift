/// A value read from a parsed ``JSON`` document: the desired state's types are, so the renderer
/// reads its input without going through `Decodable` (which costs a dictionary and dynamic
/// dispatch per field, too slow for 10,000 hosts).
public protocol JSONReadable: JSONStreamReadable {
    init(json: JSON) throws(JSONReadError)
}

/// The members of a JSON object, read by name. A name given twice counts the last time, as with
/// Foundation's decoder.
public struct JSONObject {
    private let members: [(String, JSON)]

    public init(_ json: JSON) throws(JSONReadError) {
        guard case .object(let members) = json else { throw JSONReadError(problem: "expected an object") }
        self.members = members
    }

    /// The member `key`, which must be present and not null.
    public func required<T: JSONReadable>(_ key: String) throws(JSONReadError) -> T {
        guard let value = member(key) else { throw JSONReadError(problem: "missing").within(.key(key)) }
        return try read(value, key)
    }

    /// The member `key`, or nil when it is absent or null.
    public func optional<T: JSONReadable>(_ key: String) throws(JSONReadError) -> T? {
        guard let value = member(key) else { return nil }
        if case .null = value { return nil }
        return try read(value, key)
    }

    /// The member `key`, or `fallback` when it is absent or null.
    public func value<T: JSONReadable>(_ key: String, default fallback: @autoclosure () -> T) throws(JSONReadError) -> T {
        try optional(key) ?? fallback()
    }

    /// The member `key` of the object `text` holds, read as `T`, or nil when it is absent or
    /// null. Only that member is parsed; the others are stepped over (still checked as JSON).
    public static func member<T: JSONReadable>(_ key: String, of text: some Collection<UInt8>) throws(JSONReadError) -> T? {
        try JSONObject(try JSONParser.parseObject(text, parsing: [key]).0).optional(key)
    }

    /// The member `key` of the object `text` holds, which must be present and not null; read
    /// like ``member(_:of:)``.
    public static func requiredMember<T: JSONReadable>(_ key: String, of text: some Collection<UInt8>) throws(JSONReadError) -> T {
        try JSONObject(try JSONParser.parseObject(text, parsing: [key]).0).required(key)
    }

    /// The member `key` of the object `text` holds, read as `T`, or nil when it is absent or
    /// null; read with ``JSONParser/leadingMember(_:of:)``, so nothing after it is read.
    public static func leadingMember<T: JSONReadable>(_ key: String, of text: some Collection<UInt8>) throws(JSONReadError) -> T? {
        guard let value = try JSONParser.leadingMember(key, of: text), value != .null else { return nil }
        do {
            return try T(json: value)
        } catch {
            throw error.within(.key(key))
        }
    }

    private func member(_ key: String) -> JSON? {
        // Comparing lengths first keeps most misses out of String's full comparison.
        let length = key.utf8.count
        for (name, value) in members.reversed() where name.utf8.count == length && name == key { return value }
        return nil
    }

    private func read<T: JSONReadable>(_ value: JSON, _ key: String) throws(JSONReadError) -> T {
        do {
            return try T(json: value)
        } catch {
            throw error.within(.key(key))
        }
    }
}

extension JSON: JSONReadable {
    public init(json: JSON) { self = json }
}

extension Int: JSONReadable {
    public init(json: JSON) throws(JSONReadError) {
        guard case .int(let value) = json else { throw JSONReadError(problem: json == .null ? "expected a number, found null" : "expected a number") }
        self = value
    }
}

extension Bool: JSONReadable {
    public init(json: JSON) throws(JSONReadError) {
        guard case .bool(let value) = json else {
            throw JSONReadError(problem: json == .null ? "expected true or false, found null" : "expected true or false")
        }
        self = value
    }
}

extension String: JSONReadable {
    public init(json: JSON) throws(JSONReadError) {
        guard case .string(let value) = json else {
            throw JSONReadError(problem: json == .null ? "expected a string, found null" : "expected a string")
        }
        self = value
    }
}

extension Array: JSONReadable where Element: JSONReadable {
    public init(json: JSON) throws(JSONReadError) {
        guard let items = json.arrayValue else { throw JSONReadError(problem: json == .null ? "expected a list, found null" : "expected a list") }
        self = []
        reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            do {
                append(try Element(json: item))
            } catch {
                throw error.within(.index(index))
            }
        }
    }
}

extension Dictionary: JSONReadable where Key == String, Value: JSONReadable {
    public init(json: JSON) throws(JSONReadError) {
        guard case .object(let members) = json else {
            throw JSONReadError(problem: json == .null ? "expected an object, found null" : "expected an object")
        }
        self = [:]
        for (key, value) in members {
            do {
                self[key] = try Value(json: value)
            } catch {
                throw error.within(.key(key))
            }
        }
    }
}
