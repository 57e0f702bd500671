// Fuzz target: the domain-name rule (UTS #46 mapping, Punycode). A name it accepts is ASCII,
// at most 253 bytes, and accepted again unchanged.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDomainNames(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    for singleLabel in [false, true] {
        guard let name = try? FieldRules.domainName(text, field: "fuzz", singleLabel: singleLabel) else { continue }
        guard name.utf8.count <= 253, name.unicodeScalars.allSatisfy(\.isASCII) else {
            fatalError("accepted a name that is not short ASCII: \(name)")
        }
        guard (try? FieldRules.domainName(name, field: "fuzz", singleLabel: singleLabel)) == name else {
            fatalError("an accepted name is not accepted again: \(name)")
        }
    }
    return 0
}
