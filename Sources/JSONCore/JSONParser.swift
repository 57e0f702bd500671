import Glibc

/// Parses JSON text (RFC 8259) into ``JSON``, fast enough for a desired state of 10,000 hosts.
///
/// Strict: one value with nothing after it, UTF-8 only, no comments or trailing commas, nesting
/// at most ``maximumDepth`` deep. Object members keep their order. Whole numbers are `int`
/// (`5`, `-3`, `1e3`, `2.0`); others are `double` (`0.5`, `1e300`); numbers beyond a Double's
/// range are refused.
public struct JSONParser {
    /// How deep arrays and objects may nest.
    public static let maximumDepth = 256

    let bytes: UnsafeRawBufferPointer
    var index = 0
    var depth = 0
    /// Which members of the root object to parse (all when nil), which to keep as text and
    /// which to locate the elements of.
    private typealias Selection = (parsing: Set<String>?, raw: Set<String>, lists: Set<String>)

    private var selection: Selection = (nil, [], [])
    /// Where the members kept as text are.
    private var rawRanges: [String: Range<Int>] = [:]
    /// Where the elements of the members located as lists are.
    private var listElements: [String: [Range<Int>]] = [:]
    /// Where the text between the brackets of each list located is.
    private var listInteriors: [String: Range<Int>] = [:]

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// The value `text` holds.
    public static func parse(_ text: some Collection<UInt8>) throws(JSONReadError) -> JSON {
        let parsed = text.withContiguousStorageIfAvailable { parse(UnsafeRawBufferPointer($0)) }
        return try (parsed ?? Array(text).withUnsafeBytes(parse)).get()
    }

    /// The object `text` holds, reading only part of it: members not in `parsing` (when given)
    /// are stepped over, and members in `raw` are kept as their JSON text. For documents that
    /// carry a large JSON value only to pass it on (a rendered config), or of which a reader
    /// needs one member.
    public static func parseObject(
        _ text: some Collection<UInt8>, parsing: Set<String>? = nil,
        keepingRaw raw: Set<String> = []
    ) throws(JSONReadError) -> (JSON, raw: [String: [UInt8]]) {
        let parsed = text.withContiguousStorageIfAvailable { parseObject(UnsafeRawBufferPointer($0), parsing: parsing, raw: raw) }
        return try (parsed ?? Array(text).withUnsafeBytes { parseObject($0, parsing: parsing, raw: raw) }).get()
    }

    /// The object `text` holds, with its members named in `lists` located rather than parsed:
    /// for each, where each element of its list lies in `text` (a null member: no elements), in
    /// the same single pass over the text. For a reader that parses only the elements it has
    /// not read before; a member of `lists` that is neither a list nor null is refused.
    /// `interiors`: where each located list's text between its brackets lies.
    public static func parseObject(_ text: [UInt8], locatingElementsOf lists: Set<String>) throws(JSONReadError) -> (
        JSON, elements: [String: [Range<Int>]], interiors: [String: Range<Int>]
    ) {
        try text.withUnsafeBytes { buffer in
            Result { () throws(JSONReadError) in
                let (value, parser) = try rootObject(buffer, selection: (nil, [], lists))
                return (value, parser.listElements, parser.listInteriors)
            }
        }.get()
    }

    /// Where the elements lie in `range` of `text`, a stretch of a list's interior between two
    /// of its elements (or its start or end), each stepped over as
    /// ``parseObject(_:locatingElementsOf:)`` steps over them. `afterElement`: an element of the
    /// list ends where the stretch starts, so a comma must come before any other; `beforeElement`:
    /// one starts where it ends, so the stretch must end with a comma. Nil when the stretch is not
    /// whitespace, commas and whole elements in that order.
    public static func elementRanges(in text: [UInt8], _ range: Range<Int>, afterElement: Bool, beforeElement: Bool) -> [Range<Int>]? {
        text.withUnsafeBytes { buffer -> [Range<Int>]? in
            var parser = JSONParser(UnsafeRawBufferPointer(rebasing: buffer[range]))
            var found: [Range<Int>] = []
            // What came last: nothing yet, an element, or a comma after one.
            var afterValue = afterElement
            var afterComma = false
            while true {
                parser.skipWhitespace()
                if parser.index == parser.bytes.count { return (afterValue ? !beforeElement : afterComma ? beforeElement : true) ? found : nil }
                if afterValue {
                    guard parser.consume(UInt8(ascii: ",")) else { return nil }
                    (afterValue, afterComma) = (false, true)
                    continue
                }
                guard parser.bytes[parser.index] != UInt8(ascii: ",") else { return nil }
                let start = parser.index
                do { try parser.skipValue() } catch { return nil }
                found.append((start + range.lowerBound)..<(parser.index + range.lowerBound))
                (afterValue, afterComma) = (true, false)
            }
        }
    }

    /// The member `key` of the object `text` holds, reading the members in their order and
    /// stopping at it: the members before it are stepped over (their brackets and strings
    /// checked), and nothing after it is read or checked. Nil when the object has no such member.
    /// For a reader that needs one member placed early in a large document (a plan's `changes`,
    /// ahead of the config it carries), where reading the rest would cost a pass over all of it.
    public static func leadingMember(_ key: String, of text: some Collection<UInt8>) throws(JSONReadError) -> JSON? {
        let found = text.withContiguousStorageIfAvailable { leadingMember(key, UnsafeRawBufferPointer($0)) }
        return try (found ?? Array(text).withUnsafeBytes { leadingMember(key, $0) }).get()
    }

    private static func leadingMember(_ key: String, _ buffer: UnsafeRawBufferPointer) -> Result<JSON?, JSONReadError> {
        Result { () throws(JSONReadError) in
            var parser = JSONParser(buffer)
            return try parser.stepToLeadingMember(key) ? try parser.value() : nil
        }
    }

    /// Steps into the root object and over its members up to member `key`, leaving the parser at
    /// its value; false, having read the whole object, when it has no such member.
    mutating func stepToLeadingMember(_ key: String) throws(JSONReadError) -> Bool {
        skipWhitespace()
        guard consume(UInt8(ascii: "{")) else { throw failure("expected an object") }
        depth = 1
        skipWhitespace()
        if consume(UInt8(ascii: "}")) { return false }
        repeat {
            let name = try memberName()
            if name == key { return true }
            try skipValue()
            skipWhitespace()
        } while consume(UInt8(ascii: ","))
        guard consume(UInt8(ascii: "}")) else { throw failure("expected `,` or `}` in an object") }
        return false
    }

    private static func parseObject(_ buffer: UnsafeRawBufferPointer, parsing: Set<String>?, raw: Set<String>) -> Result<
        (JSON, raw: [String: [UInt8]]), JSONReadError
    > {
        Result { () throws(JSONReadError) in
            let (value, parser) = try rootObject(buffer, selection: (parsing, raw, []))
            return (value, parser.rawRanges.mapValues { Array(UnsafeRawBufferPointer(rebasing: buffer[$0])) })
        }
    }

    /// The object `buffer` holds, read with `selection`, with nothing after it; the parser is
    /// returned for what the selection kept or located.
    private static func rootObject(_ buffer: UnsafeRawBufferPointer, selection: Selection) throws(JSONReadError) -> (JSON, JSONParser) {
        var parser = JSONParser(buffer)
        parser.selection = selection
        parser.skipWhitespace()
        guard parser.index < buffer.count else { throw parser.failure("unexpected end of the document") }
        guard buffer[parser.index] == UInt8(ascii: "{") else { throw parser.failure("expected an object") }
        let value = try parser.object()
        try parser.requireEnd()
        return (value, parser)
    }

    private static func parse(_ buffer: UnsafeRawBufferPointer) -> Result<JSON, JSONReadError> {
        Result { () throws(JSONReadError) in try parseDocument(buffer) }
    }

    private static func parseDocument(_ buffer: UnsafeRawBufferPointer) throws(JSONReadError) -> JSON {
        var parser = JSONParser(buffer)
        parser.skipWhitespace()
        let value = try parser.value()
        try parser.requireEnd()
        return value
    }

    // MARK: - Values

    mutating func value() throws(JSONReadError) -> JSON {
        guard index < bytes.count else { throw failure("unexpected end of the document") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw failure("unexpected character")
        }
    }

    /// The name of the member that comes next in an object, its `:` and the whitespace around
    /// them stepped over, so that its value comes next.
    private mutating func memberName() throws(JSONReadError) -> String {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("expected a member name") }
        let name = try string()
        skipWhitespace()
        guard consume(UInt8(ascii: ":")) else { throw failure("expected `:` after a member name") }
        skipWhitespace()
        return name
    }

    private mutating func object() throws(JSONReadError) -> JSON {
        try enterContainer()
        var members: [(String, JSON)] = []
        skipWhitespace()
        if consume(UInt8(ascii: "}")) {
            depth -= 1
            return .object(members)
        }
        repeat {
            let key = try memberName()
            if depth == 1, selection.lists.contains(key) {
                if index < bytes.count, bytes[index] == UInt8(ascii: "n") {
                    try literal("null")
                    listElements[key] = []
                } else {
                    do {
                        let start = index + 1
                        listElements[key] = try elementRanges()
                        listInteriors[key] = start..<(index - 1)
                    } catch {
                        throw error.within(.key(key))
                    }
                }
                skipWhitespace()
                continue
            }
            if depth == 1, selection.raw.contains(key) || selection.parsing?.contains(key) == false {
                let start = index
                try skipValue()
                if selection.raw.contains(key) { rawRanges[key] = start..<index }
                skipWhitespace()
                continue
            }
            members.append((key, try value()))
            skipWhitespace()
        } while consume(UInt8(ascii: ","))
        guard consume(UInt8(ascii: "}")) else { throw failure("expected `,` or `}` in an object") }
        depth -= 1
        return .object(members)
    }

    private mutating func array() throws(JSONReadError) -> JSON {
        try enterContainer()
        var items: [JSON] = []
        skipWhitespace()
        if consume(UInt8(ascii: "]")) {
            depth -= 1
            return .array(items)
        }
        repeat {
            skipWhitespace()
            items.append(try value())
            skipWhitespace()
        } while consume(UInt8(ascii: ","))
        guard consume(UInt8(ascii: "]")) else { throw failure("expected `,` or `]` in an array") }
        depth -= 1
        return .array(items)
    }

    /// Steps over one value, checking only that its brackets and strings are closed.
    private mutating func skipValue() throws(JSONReadError) {
        var open = 0
        repeat {
            guard index < bytes.count else { throw failure("unexpected end of the document") }
            switch bytes[index] {
            case UInt8(ascii: "\""):
                index = try closingQuote(after: index)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                open += 1
                guard open <= Self.maximumDepth else { throw failure("nested deeper than \(Self.maximumDepth) levels") }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                open -= 1
                guard open >= 0 else { throw failure("unexpected `\(Character(Unicode.Scalar(bytes[index])))`") }
            case UInt8(ascii: ","), UInt8(ascii: ":"):
                guard open > 0 else { throw failure("unexpected character") }
            default:
                break
            }
            index += 1
        } while open > 0 || (index < bytes.count && !isDelimiter(bytes[index]))
    }

    /// Where the string opened at `quote` closes: `memchr` finds each next quote (most of a
    /// config's bytes are in strings, and it looks at many bytes a step), and a quote after an
    /// odd run of backslashes is escaped, so the search goes on past it.
    func closingQuote(after quote: Int) throws(JSONReadError) -> Int {
        var from = quote + 1
        while from < bytes.count {
            guard let found = memchr(bytes.baseAddress! + from, Int32(UInt8(ascii: "\"")), bytes.count - from) else { break }
            let position = bytes.baseAddress!.distance(to: UnsafeRawPointer(found))
            var backslashes = 0
            while position - backslashes - 1 > quote, bytes[position - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
            if backslashes % 2 == 0 { return position }
            from = position + 1
        }
        throw failure("unterminated string")
    }

    private func isDelimiter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
            true
        default: false
        }
    }

    mutating func enterContainer() throws(JSONReadError) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw failure("nested deeper than \(Self.maximumDepth) levels") }
        index += 1
    }

    mutating func literal(_ word: StaticString) throws(JSONReadError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count, memcmp(bytes.baseAddress! + index, word.utf8Start, count) == 0 else {
            throw failure("unexpected character")
        }
        index += count
    }

    // MARK: - Numbers

    mutating func number() throws(JSONReadError) -> JSON {
        let start = index
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw failure("expected a digit") }
        if bytes[index] == UInt8(ascii: "0"), index + 1 < bytes.count, isDigit(bytes[index + 1]) {
            throw failure("numbers must not have leading zeros")
        }
        var value = 0
        var overflow = false
        while index < bytes.count, isDigit(bytes[index]) {
            let digit = Int(bytes[index] &- UInt8(ascii: "0"))
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? times10.subtractingReportingOverflow(digit) : times10.addingReportingOverflow(digit)
            overflow = overflow || o1 || o2
            value = next
            index += 1
        }
        let isPlainInteger = index == bytes.count || !(bytes[index] == UInt8(ascii: ".") || bytes[index] | 0x20 == UInt8(ascii: "e"))
        if isPlainInteger {
            guard !overflow else { throw failure("number out of range") }
            return .int(value)
        }
        return try fractionalNumber(from: start)
    }

    /// A number with a fraction or an exponent: `int` when it is whole and in range (`2.0`,
    /// `1e3`), otherwise `double`. Numbers beyond Double's range are refused.
    private mutating func fractionalNumber(from start: Int) throws(JSONReadError) -> JSON {
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("expected a digit after `.`") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("expected a digit in the exponent") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let double = Double(text), double.isFinite else { throw failure("number out of range") }
        return double.rounded() == double && abs(double) < 1e15 ? .int(Int(double)) : .double(double)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    // MARK: - Strings

    mutating func string() throws(JSONReadError) -> String {
        index += 1
        let start = index
        // Most strings are ASCII without escapes: copy those in one go.
        var seen: UInt8 = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                let content = UnsafeRawBufferPointer(rebasing: bytes[start..<(index - 1)])
                return seen < 0x80 ? String(decoding: content, as: UTF8.self) : try validated(content)
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw failure("control character in a string") }
            seen |= byte
            index += 1
        }
        // Escapes: copy the runs between them in one go.
        var decoded: [UInt8] = []
        var run = start
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                decoded.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[run..<index]))
                index += 1
                guard let string = String(validating: decoded, as: UTF8.self) else { throw failure("a string is not valid UTF-8") }
                return string
            case UInt8(ascii: "\\"):
                decoded.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[run..<index]))
                index += 1
                try unescape(into: &decoded)
                run = index
            case 0..<0x20: throw failure("control character in a string")
            default: index += 1
            }
        }
        throw failure("unterminated string")
    }

    private func validated(_ content: UnsafeRawBufferPointer) throws(JSONReadError) -> String {
        guard let string = String(validating: content, as: UTF8.self) else {
            throw failure("a string is not valid UTF-8")
        }
        return string
    }

    private mutating func unescape(into decoded: inout [UInt8]) throws(JSONReadError) {
        guard index < bytes.count else { throw failure("unterminated string") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(byte)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = UInt32(try hexQuad())
            if (0xD800..<0xDC00).contains(scalar) {
                // A high surrogate must be followed by an escaped low one.
                guard consume(UInt8(ascii: "\\")), consume(UInt8(ascii: "u")) else { throw failure("unpaired surrogate in a string") }
                let low = UInt32(try hexQuad())
                guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate in a string") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw failure("unpaired surrogate in a string") }
            decoded.append(contentsOf: UTF8.encode(unicode)!)
        default: throw failure("unknown escape in a string")
        }
    }

    private mutating func hexQuad() throws(JSONReadError) -> UInt16 {
        guard index + 4 <= bytes.count else { throw failure("unterminated string") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("expected four hex digits after \\u")
            }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    // MARK: - Helpers

    /// Only whitespace may follow the value read.
    mutating func requireEnd() throws(JSONReadError) {
        skipWhitespace()
        guard index == bytes.count else { throw failure("unexpected text after the JSON value") }
    }

    /// Steps over the list that starts here, returning where each of its elements lies: only
    /// its brackets and commas are checked, each element just stepped over.
    private mutating func elementRanges() throws(JSONReadError) -> [Range<Int>] {
        guard consume(UInt8(ascii: "[")) else { throw failure("expected a list") }
        var ranges: [Range<Int>] = []
        skipWhitespace()
        if consume(UInt8(ascii: "]")) { return ranges }
        repeat {
            skipWhitespace()
            let start = index
            try skipValue()
            ranges.append(start..<index)
            skipWhitespace()
        } while consume(UInt8(ascii: ","))
        guard consume(UInt8(ascii: "]")) else { throw failure("expected `,` or `]` in a list") }
        return ranges
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): index += 1
            default: return
            }
        }
    }

    /// Steps over `byte` when it comes next.
    mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    func failure(_ problem: String) -> JSONReadError {
        JSONReadError(problem: "\(problem) at byte \(index)", offset: index)
    }
}
