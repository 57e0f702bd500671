/// A value with one JSON form, so a document can be written from Swift values directly:
/// `JSON.with(["id": id, "name": name, "last_seen": lastSeen])`, a nil optional as null.
public protocol JSONRepresentable {
    var jsonValue: JSON { get }
}

extension JSON: JSONRepresentable {
    public var jsonValue: JSON { self }
}

extension String: JSONRepresentable {
    public var jsonValue: JSON { .string(self) }
}

extension Bool: JSONRepresentable {
    public var jsonValue: JSON { .bool(self) }
}

extension Int: JSONRepresentable {
    public var jsonValue: JSON { .int(self) }
}

extension Int64: JSONRepresentable {
    public var jsonValue: JSON { .int(Int(self)) }
}

extension Int32: JSONRepresentable {
    public var jsonValue: JSON { .int(Int(self)) }
}

extension Double: JSONRepresentable {
    /// Whole numbers are `int`; a non-finite number is null.
    public var jsonValue: JSON {
        guard isFinite else { return .null }
        return Int(exactly: self).map(JSON.int) ?? .double(self)
    }
}

// Closures rather than key paths: called through `any JSONRepresentable`, these run
// unspecialized, and a key path there is instantiated by the runtime at every call.

extension Optional: JSONRepresentable where Wrapped: JSONRepresentable {
    public var jsonValue: JSON { map { $0.jsonValue } ?? .null }
}

extension Array: JSONRepresentable where Element: JSONRepresentable {
    public var jsonValue: JSON { .array(map { $0.jsonValue }) }
}

extension JSON {
    /// An object of `members`, in the order written.
    public static func with(_ members: KeyValuePairs<String, any JSONRepresentable>) -> JSON {
        .object(members.map { ($0.key, $0.value.jsonValue) })
    }
}
