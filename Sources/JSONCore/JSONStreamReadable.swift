/// A value read straight from JSON text by a ``JSONReader``, for the types a desired state has
/// thousands of (a proxy host): no ``JSON`` tree is built for them. Every ``JSONReadable``
/// type is one too, read by parsing its value and then ``JSONReadable/init(json:)``.
public protocol JSONStreamReadable {
    /// Reads the value that comes next in `reader`, and nothing after it.
    init(from reader: inout JSONReader) throws(JSONReadError)
}

extension JSONReadable {
    public init(from reader: inout JSONReader) throws(JSONReadError) {
        try self.init(json: try reader.value())
    }
}

extension Int {
    public init(from reader: inout JSONReader) throws(JSONReadError) { self = try reader.integer() }
}

extension Bool {
    public init(from reader: inout JSONReader) throws(JSONReadError) { self = try reader.bool() }
}

extension String {
    public init(from reader: inout JSONReader) throws(JSONReadError) { self = try reader.string() }
}

extension Array where Element: JSONStreamReadable {
    @inlinable public init(from reader: inout JSONReader) throws(JSONReadError) {
        try reader.enterList()
        self = []
        while try reader.nextElement() {
            do {
                append(try Element(from: &reader))
            } catch {
                throw error.within(.index(count))
            }
        }
    }
}

extension Array: JSONStreamReadable where Element: JSONStreamReadable {}

extension Dictionary where Key == String, Value: JSONStreamReadable {
    @inlinable public init(from reader: inout JSONReader) throws(JSONReadError) {
        try reader.enterObject()
        self = [:]
        while let name = try reader.nextMember() { self[name.string] = try reader.required(name, Value.self) }
    }
}

extension Dictionary: JSONStreamReadable where Key == String, Value: JSONStreamReadable {}
