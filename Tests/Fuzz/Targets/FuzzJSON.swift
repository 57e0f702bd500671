// Fuzz target: JSONCore's parser (desired states, plans, journals, agent messages all pass it).
// Whatever it accepts must serialize and parse back to the same value.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    if let value = try? JSONParser.parse(bytes) {
        guard let again = try? JSONParser.parse(value.serialized()), again == value else { fatalError("a parsed value does not survive serializing") }
    }
    _ = try? JSONParser.parseObject(bytes, parsing: ["type", "state"], keepingRaw: ["config"])
    return 0
}
