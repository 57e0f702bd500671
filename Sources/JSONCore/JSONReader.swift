import Glibc

/// Reads a JSON document value by value, straight from its bytes, for types that read
/// themselves (``JSONStreamReadable``): no tree of ``JSON`` values is built, and member names
/// are compared where they lie, so a host of the desired state costs no allocation for its
/// names, objects or lists. The text is checked as strictly as ``JSONParser`` checks it, and a
/// failure names the path to the bad value as ``JSONObject`` does.
///
/// An object is read member by member:
///
/// ```swift
/// try reader.enterObject()
/// while let name = try reader.nextMember() {
///     switch name {
///     case "id": id = try reader.required(name)
///     case "enabled": enabled = try reader.optional(name) ?? true
///     default: try reader.skip()
///     }
/// }
/// ```
///
/// A reader, and each ``Name`` it hands out, lives only inside ``read(_:from:)``.
public struct JSONReader {
    private var parser: JSONParser
    /// Whether the container just entered has not had a member or element yet.
    private var atContainerStart = false

    private init(_ parser: JSONParser) { self.parser = parser }

    /// The value `text` holds, read as `T`, with nothing but whitespace after it.
    public static func read<T: JSONStreamReadable>(_ type: T.Type = T.self, from text: some Collection<UInt8>) throws(JSONReadError) -> T {
        let found = text.withContiguousStorageIfAvailable { reading(T.self, UnsafeRawBufferPointer($0)) }
        return try (found ?? Array(text).withUnsafeBytes { reading(T.self, $0) }).get()
    }

    private static func reading<T: JSONStreamReadable>(_ type: T.Type, _ buffer: UnsafeRawBufferPointer) -> Result<T, JSONReadError> {
        Result { () throws(JSONReadError) in
            var reader = JSONReader(JSONParser(buffer))
            reader.parser.skipWhitespace()
            let value = try T(from: &reader)
            try reader.parser.requireEnd()
            return value
        }
    }

    /// Member `key` of the object `text` holds, read as `T`, reading the members in their order
    /// and stopping after it, as ``JSONParser/leadingMember(_:of:)`` does (the members before it
    /// stepped over, nothing after it read); nil when the object has no such member. For one
    /// large member placed early in a document, read without a tree of ``JSON`` values.
    public static func leadingMember<T: JSONStreamReadable>(_ key: String, of text: some Collection<UInt8>, as type: T.Type = T.self)
        throws(JSONReadError) -> T?
    {
        let found = text.withContiguousStorageIfAvailable { readingLeadingMember(key, T.self, UnsafeRawBufferPointer($0)) }
        return try (found ?? Array(text).withUnsafeBytes { readingLeadingMember(key, T.self, $0) }).get()
    }

    private static func readingLeadingMember<T: JSONStreamReadable>(_ key: String, _ type: T.Type, _ buffer: UnsafeRawBufferPointer)
        -> Result<T?, JSONReadError>
    {
        Result { () throws(JSONReadError) in
            var reader = JSONReader(JSONParser(buffer))
            guard try reader.parser.stepToLeadingMember(key) else { return nil }
            do throws(JSONReadError) {
                return try T(from: &reader)
            } catch {
                throw error.within(.key(key))
            }
        }
    }

    // MARK: - Objects and lists

    /// Steps into the object that comes next; `problem` is what is said when something else
    /// comes (null: that, "found null").
    public mutating func enterObject(_ problem: String = "expected an object") throws(JSONReadError) {
        try enter(UInt8(ascii: "{"), problem)
    }

    /// The name of the next member of the object entered, its `:` stepped over, so that its
    /// value is read next; nil, having left the object, after its last member.
    public mutating func nextMember() throws(JSONReadError) -> Name? {
        guard try next(closing: UInt8(ascii: "}"), "expected `,` or `}` in an object") else { return nil }
        guard parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: "\"") else {
            throw parser.failure("expected a member name")
        }
        let name = try memberName()
        parser.skipWhitespace()
        guard parser.consume(UInt8(ascii: ":")) else { throw parser.failure("expected `:` after a member name") }
        parser.skipWhitespace()
        return name
    }

    /// Steps into the list that comes next; `problem` as for ``enterObject(_:)``.
    public mutating func enterList(_ problem: String = "expected a list") throws(JSONReadError) {
        try enter(UInt8(ascii: "["), problem)
    }

    /// Whether the list entered has another element, which is then read next; false, having
    /// left the list, after its last one.
    public mutating func nextElement() throws(JSONReadError) -> Bool {
        try next(closing: UInt8(ascii: "]"), "expected `,` or `]` in an array")
    }

    private mutating func enter(_ bracket: UInt8, _ problem: String) throws(JSONReadError) {
        guard parser.index < parser.bytes.count, parser.bytes[parser.index] == bracket else { throw try mismatch(problem) }
        try parser.enterContainer()
        atContainerStart = true
    }

    private mutating func next(closing bracket: UInt8, _ problem: String) throws(JSONReadError) -> Bool {
        parser.skipWhitespace()
        if atContainerStart {
            atContainerStart = false
            if parser.consume(bracket) { return leave() }
        } else if !parser.consume(UInt8(ascii: ",")) {
            guard parser.consume(bracket) else { throw parser.failure(problem) }
            return leave()
        }
        parser.skipWhitespace()
        return true
    }

    private mutating func leave() -> Bool {
        parser.depth -= 1
        parser.skipWhitespace()
        return false
    }

    // MARK: - Values

    /// The value of member `name`, which must not be null; a failure is placed at `name`.
    @inlinable public mutating func required<T: JSONStreamReadable>(_ name: Name, _ type: T.Type = T.self) throws(JSONReadError) -> T {
        do {
            return try T(from: &self)
        } catch {
            throw error.within(.key(name.string))
        }
    }

    /// The value of member `name`, nil when it is null; a failure is placed at `name`.
    @inlinable public mutating func optional<T: JSONStreamReadable>(_ name: Name, _ type: T.Type = T.self) throws(JSONReadError) -> T? {
        if try readNull() { return nil }
        return try required(name, T.self)
    }

    /// Steps over a null that comes next; false when something else comes.
    public mutating func readNull() throws(JSONReadError) -> Bool {
        guard nextByte == UInt8(ascii: "n") else { return false }
        try parser.literal("null")
        parser.skipWhitespace()
        return true
    }

    /// The value that comes next, parsed whole.
    public mutating func value() throws(JSONReadError) -> JSON {
        let value = try parser.value()
        parser.skipWhitespace()
        return value
    }

    /// Steps over the value that comes next, checked as strictly as it would be parsed.
    public mutating func skip() throws(JSONReadError) { _ = try value() }

    /// The number that comes next, which must be whole.
    public mutating func integer() throws(JSONReadError) -> Int {
        guard let byte = nextByte, byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else {
            throw try mismatch("expected a number")
        }
        guard case .int(let number) = try parser.number() else { throw JSONReadError(problem: "expected a number") }
        parser.skipWhitespace()
        return number
    }

    /// The string that comes next.
    public mutating func string() throws(JSONReadError) -> String {
        guard nextByte == UInt8(ascii: "\"") else { throw try mismatch("expected a string") }
        let string = try parser.string()
        parser.skipWhitespace()
        return string
    }

    /// The `true` or `false` that comes next.
    public mutating func bool() throws(JSONReadError) -> Bool {
        switch nextByte {
        case UInt8(ascii: "t"):
            try parser.literal("true")
        case UInt8(ascii: "f"):
            try parser.literal("false")
            parser.skipWhitespace()
            return false
        default: throw try mismatch("expected true or false")
        }
        parser.skipWhitespace()
        return true
    }

    /// The first byte of the value that comes next (`{`, `[`, `"`, `t`, `f`, `n`, `-` or a
    /// digit when it is JSON), nil at the end of the text: for a member that may be of more
    /// than one kind.
    public var nextByte: UInt8? { parser.index < parser.bytes.count ? parser.bytes[parser.index] : nil }

    /// What is said when the value that comes next is not what was expected: `problem`, or
    /// that with "found null" for a null; text that is not JSON at all is said to be that.
    private mutating func mismatch(_ problem: String) throws(JSONReadError) -> JSONReadError {
        if try readNull() { return JSONReadError(problem: "\(problem), found null") }
        _ = try parser.value()
        return JSONReadError(problem: problem)
    }

    // MARK: - Member names

    /// A member's name, where it lies in the text (or decoded, when it has escapes). Compared
    /// with a name in the code by `case "forward_host":`, without making a `String`.
    public struct Name {
        @usableFromInline let bytes: UnsafeRawBufferPointer
        @usableFromInline let decoded: String?

        init(bytes: UnsafeRawBufferPointer, decoded: String?) {
            self.bytes = bytes
            self.decoded = decoded
        }

        /// The name as a `String`, for a failure's path or a map's key.
        public var string: String { decoded ?? String(decoding: bytes, as: UTF8.self) }

        /// Inlined where a `switch` compares, so that a name of another length costs one
        /// comparison of two integers.
        @inlinable public static func ~= (pattern: StaticString, name: Name) -> Bool {
            let count = pattern.utf8CodeUnitCount
            guard name.decoded == nil else { return name.matches(pattern) }
            return name.bytes.count == count && memcmp(name.bytes.baseAddress!, pattern.utf8Start, count) == 0
        }

        @usableFromInline func matches(_ pattern: StaticString) -> Bool {
            decoded?.utf8.elementsEqual(UnsafeBufferPointer(start: pattern.utf8Start, count: pattern.utf8CodeUnitCount)) ?? false
        }
    }

    /// The name whose opening quote comes next: its bytes as they lie when they are printable
    /// ASCII without escapes, otherwise decoded as any string is.
    private mutating func memberName() throws(JSONReadError) -> Name {
        let start = parser.index + 1
        var end = start
        let bytes = parser.bytes
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") {
                parser.index = end + 1
                return Name(bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), decoded: nil)
            }
            guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\\") else { break }
            end += 1
        }
        return Name(bytes: UnsafeRawBufferPointer(start: nil, count: 0), decoded: try parser.string())
    }
}
