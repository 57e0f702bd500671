/// A JSON value for building Caddy configuration. Objects keep their members in the order they
/// were written, so the same input always serializes to the same bytes.
public enum JSON: Equatable, Sendable {
    case string(String)
    case int(Int)
    /// A number with a fraction (or a whole one too large for `int`); whole numbers are `int`.
    case double(Double)
    case bool(Bool)
    case array([JSON])
    /// An array whose items were serialized before: written as they are, so a long list that
    /// stays the same from one document to the next is serialized once. Read as the array it
    /// stands for (``arrayValue``, equality).
    case serializedItems([JSONText])
    case object([(String, JSON)])
    case null

    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.double(let a), .double(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
        case (.null, .null): true
        case (.serializedItems(let a), .serializedItems(let b)): a == b
        case (.serializedItems, .array), (.array, .serializedItems): lhs.arrayValue == rhs.arrayValue
        default: false
        }
    }

    /// The member `key` of an object. Setting a member replaces it in place or appends it;
    /// setting nil removes it; setting a member of a value that is not an object makes it one.
    public subscript(key: String) -> JSON? {
        get {
            guard case .object(let members) = self else { return nil }
            return members.first { $0.0 == key }?.1
        }
        set {
            var members: [(String, JSON)] = []
            if case .object(let existing) = self { members = existing }
            if let index = members.firstIndex(where: { $0.0 == key }) {
                if let newValue { members[index].1 = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append((key, newValue))
            }
            self = .object(members)
        }
    }

    /// The text of a string.
    public var stringValue: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }

    /// The value of a boolean.
    public var boolValue: Bool? {
        guard case .bool(let value) = self else { return nil }
        return value
    }

    /// The value of a number, whole or not.
    public var numberValue: Double? {
        switch self {
        case .int(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }

    /// The items of an array.
    public var arrayValue: [JSON]? {
        switch self {
        case .array(let items): items
        case .serializedItems(let items): items.map(\.value)
        default: nil
        }
    }

    /// The members of an object.
    public var objectMembers: [(String, JSON)]? {
        guard case .object(let members) = self else { return nil }
        return members
    }

    /// Serializes without insignificant whitespace.
    public func serialized() -> [UInt8] {
        var output = JSONOutput()
        write(into: &output)
        return output.bytes()
    }

    /// Serializes an object of `members` followed by `raw` members, whose values are JSON text
    /// written as it is (the counterpart of ``JSONParser/parseObject(_:keepingRaw:)``).
    public static func serializedObject(_ members: [(String, JSON)], raw: [(String, [UInt8])]) -> [UInt8] {
        var output = JSONOutput()
        JSON.object(members).write(into: &output)
        output.removeLast()
        for (index, (key, value)) in raw.enumerated() {
            if index > 0 || !members.isEmpty { output.append(UInt8(ascii: ",")) }
            writeString(key, into: &output)
            output.append(UInt8(ascii: ":"))
            value.withUnsafeBufferPointer { output.append($0) }
        }
        output.append(UInt8(ascii: "}"))
        return output.bytes()
    }

    private func write(into output: inout JSONOutput) {
        switch self {
        case .string(let text): JSON.writeString(text, into: &output)
        case .int(let value): output.append(value)
        // Swift's shortest form that reads back as the same Double (`0.5`, `1e-07`, `1e+20`) is valid JSON.
        case .double(let value):
            if value.isFinite {
                var text = "\(value)"
                text.withUTF8 { output.append($0) }
            } else {
                output.append("null")
            }
        case .bool(let value): output.append(value ? "true" : "false")
        case .null: output.append("null")
        case .array(let items):
            output.append(UInt8(ascii: "["))
            items.withUnsafeBufferPointer { items in
                for index in items.indices {
                    if index > 0 { output.append(UInt8(ascii: ",")) }
                    items[index].write(into: &output)
                }
            }
            output.append(UInt8(ascii: "]"))
        case .serializedItems(let items):
            output.append(UInt8(ascii: "["))
            items.withUnsafeBufferPointer { items in
                for index in items.indices {
                    if index > 0 { output.append(UInt8(ascii: ",")) }
                    items[index].bytes.withUnsafeBufferPointer { output.append($0) }
                }
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            members.withUnsafeBufferPointer { members in
                for index in members.indices {
                    if index > 0 { output.append(UInt8(ascii: ",")) }
                    JSON.writeString(members[index].0, into: &output)
                    output.append(UInt8(ascii: ":"))
                    members[index].1.write(into: &output)
                }
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    private static func writeString(_ text: String, into output: inout JSONOutput) {
        var text = text
        text.withUTF8 { bytes in
            output.append(UInt8(ascii: "\""))
            // Copy the runs between bytes that need escaping in one go.
            var run = 0
            for (index, byte) in bytes.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F {
                output.append(UnsafeBufferPointer(rebasing: bytes[run..<index]))
                escape(byte, into: &output)
                run = index + 1
            }
            output.append(UnsafeBufferPointer(rebasing: bytes[run...]))
            output.append(UInt8(ascii: "\""))
        }
    }

    private static func escape(_ byte: UInt8, into output: inout JSONOutput) {
        output.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): output.append(byte)
        case 0x0A: output.append(UInt8(ascii: "n"))
        case 0x0D: output.append(UInt8(ascii: "r"))
        case 0x09: output.append(UInt8(ascii: "t"))
        default:
            output.append("u00")
            output.append(hex[Int(byte >> 4)])
            output.append(hex[Int(byte & 0xF)])
        }
    }
}

/// The bytes of a document being serialized. Small writes go to a chunk of memory this writer
/// owns, which is moved into the array a chunk at a time: a byte appended costs a bounds check,
/// not an array's uniqueness and capacity checks.
private struct JSONOutput: ~Copyable {
    private static let chunkSize = 8192
    private var written: [UInt8] = []
    private let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: JSONOutput.chunkSize)
    private var chunkCount = 0

    init() {}

    deinit { chunk.deallocate() }

    /// The bytes written.
    consuming func bytes() -> [UInt8] {
        flush()
        return written
    }

    mutating func append(_ byte: UInt8) {
        if chunkCount == Self.chunkSize { flush() }
        chunk[chunkCount] = byte
        chunkCount += 1
    }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        if chunkCount + bytes.count > Self.chunkSize {
            flush()
            if bytes.count >= Self.chunkSize {
                written.append(contentsOf: bytes)
                return
            }
        }
        (chunk + chunkCount).update(from: base, count: bytes.count)
        chunkCount += bytes.count
    }

    mutating func append(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// A whole number in decimal.
    mutating func append(_ value: Int) {
        if value < 0 { append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in  // written backwards
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            append(UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    mutating func removeLast() {
        if chunkCount > 0 { chunkCount -= 1 } else { written.removeLast() }
    }

    private mutating func flush() {
        written.append(contentsOf: UnsafeBufferPointer(start: chunk, count: chunkCount))
        chunkCount = 0
    }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSON)...) { self = .object(elements) }
}

extension JSON {
    /// An array of strings.
    public static func strings(_ values: some Sequence<String>) -> JSON { .array(values.map(JSON.string)) }
}

extension JSON {
    /// This value with every object's members sorted by name, a repeated name keeping its last
    /// value (as Caddy's own decoder would), so documents that differ only in member order
    /// render alike.
    public func canonical() -> JSON {
        switch self {
        case .object(let members):
            let latest = Dictionary(members, uniquingKeysWith: { _, last in last })
            return .object(latest.keys.sorted().map { ($0, latest[$0]!.canonical()) })
        case .array(let items): return .array(items.map { $0.canonical() })
        default: return self
        }
    }
}
