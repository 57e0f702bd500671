// Fuzz target: host fields and the address policy (every spelling of an address, IPv4 inside
// IPv6). Names are not resolved here: the resolver answers nothing.

private let policy = AddressPolicy(protectedPorts: [81, 2019], resolve: { _ in [] }, ownAddresses: { [] })

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAddresses(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let address = AddressPolicy.literal(text) {
        guard AddressPolicy.literal(address.description) == address else { fatalError("an address does not read back: \(address)") }
        _ = AddressPolicy.embedded(address)
    }
    if let host = try? FieldRules.host(text, field: "fuzz") {
        guard (try? FieldRules.host(host, field: "fuzz")) == host else { fatalError("an accepted host is not accepted again: \(host)") }
        try? policy.check(host: host, port: 81, field: "fuzz")
    }
    _ = try? FieldRules.cidr(text, field: "fuzz")
    return 0
}
