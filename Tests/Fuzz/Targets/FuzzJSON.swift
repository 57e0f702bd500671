// Fuzz target: JSONCore's parser (desired states, plans, journals, agent messages all pass it)
// and its reader (a desired state's hosts are read straight from the text).
// Whatever the parser accepts must serialize and parse back to the same value; the reader,
// stepping member by member and element by element, must accept exactly what the parser accepts
// and read the same value.

/// Any value, rebuilt through the reader's steps.
struct Streamed: JSONStreamReadable {
    var value: JSON

    init(from reader: inout JSONReader) throws(JSONReadError) {
        switch reader.nextByte {
        case UInt8(ascii: "{"):
            try reader.enterObject()
            var members: [(String, JSON)] = []
            while let name = try reader.nextMember() { members.append((name.string, try reader.required(name, Streamed.self).value)) }
            value = .object(members)
        case UInt8(ascii: "["):
            try reader.enterList()
            var items: [JSON] = []
            while try reader.nextElement() { items.append(try Streamed(from: &reader).value) }
            value = .array(items)
        case UInt8(ascii: "\""): value = .string(try reader.string())
        case UInt8(ascii: "t"), UInt8(ascii: "f"): value = .bool(try reader.bool())
        default: value = try reader.readNull() ? .null : try reader.value()
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let parsed = try? JSONParser.parse(bytes)
    if let value = parsed {
        guard let again = try? JSONParser.parse(value.serialized()), again == value else { fatalError("a parsed value does not survive serializing") }
    }
    let streamed = try? JSONReader.read(Streamed.self, from: bytes).value
    guard streamed == parsed else {
        fatalError("the reader and the parser disagree: \(String(describing: parsed)) / \(String(describing: streamed))")
    }
    _ = try? JSONParser.parseObject(bytes, parsing: ["type", "state"], keepingRaw: ["config"])
    return 0
}
