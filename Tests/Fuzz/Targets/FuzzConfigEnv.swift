// Fuzz target: the agent's config.env reader.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfigEnv(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let values = try? ConfigEnvFile.parse(text, path: "fuzz") {
        for key in values.keys where key.isEmpty && !text.contains("=") { fatalError("a key from nowhere") }
    }
    return 0
}
