import Foundation
import Testing

@testable import Controller

/// The address policy on its own: spellings, embedded IPv4 addresses, names that resolve to
/// this machine or to metadata (a resolver the test controls, as /etc/hosts or DNS would answer).
@Suite struct AddressPolicyTests {
    let policy = AddressPolicy(protectedPorts: [81, 2019], resolve: { name in
        switch name {
        case "sneaky.example": [IPAddress("127.0.0.1")!]
        case "cloud.example": [IPAddress("10.0.0.9")!, IPAddress("::ffff:169.254.169.254")!]
        case "us.example": [IPAddress("192.0.2.80")!]
        case "lan.example": [IPAddress("10.0.0.9")!]
        default: []
        }
    }, ownAddresses: { [IPAddress("192.0.2.80")!] })

    @Test func everySpellingOfAnAddressIsReadAsTheAddressItIs() {
        for (spelling, address) in [("2130706433", "127.0.0.1"), ("0x7f000001", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"), ("127.1", "127.0.0.1"),
                                    ("0x7f.0.0.1", "127.0.0.1"), ("[::1]", "::1"), ("0:0:0:0:0:ffff:7f00:1", "::ffff:127.0.0.1"), ("10.0.0.5", "10.0.0.5")] {
            #expect(AddressPolicy.literal(spelling)?.description == address, "\(spelling)")
        }
        for name in ["cafe", "example.com", "1e100", "08.0.0.1", "", "[]", "abc.def"] {
            #expect(AddressPolicy.literal(name) == nil, "\(name)")
        }
        for (wrapped, inner) in [("::ffff:127.0.0.1", "127.0.0.1"), ("::127.0.0.1", "127.0.0.1"), ("64:ff9b::a9fe:a9fe", "169.254.169.254"),
                                 ("2002:a9fe:a9fe::1", "169.254.169.254"), ("::1", "::1"), ("2001:db8::1", "2001:db8::1")] {
            #expect(AddressPolicy.embedded(IPAddress(wrapped)!).description == inner, "\(wrapped)")
        }
    }

    @Test func namesAreJudgedByWhatTheyResolveTo() throws {
        #expect(policy.reach("sneaky.example") == .thisHost)
        #expect(policy.reach("cloud.example") == .cloudMetadata)
        #expect(policy.reach("us.example") == .thisHost, "one of this machine's own addresses")
        #expect(policy.reach("lan.example") == .elsewhere)
        #expect(policy.reach("unknown.example") == .elsewhere, "a name that resolves only where it is used")
        #expect(throws: ValidationFailure("f", "leads to the controller or Caddy's admin API on this machine (port 81)")) {
            try policy.check(host: "sneaky.example", port: 81, field: "f")
        }
        try policy.check(host: "sneaky.example", port: 3000, field: "f")
        #expect(throws: ValidationFailure.self) { try policy.check(host: "cloud.example", port: 3000, field: "f") }
        #expect(throws: ValidationFailure.self) { try policy.check(host: "us.example", port: nil, field: "f") }
        try policy.check(host: "lan.example", port: nil, field: "f")
    }

    @Test func theSystemResolverReadsTheHostsFileAndGivesUpInTime() {
        let resolver = AddressPolicy.Resolver()
        #expect(resolver.addresses("localhost").contains { $0.isLoopback })
        let start = Date()
        _ = resolver.addresses("no-such-name.invalid")
        #expect(Date().timeIntervalSince(start) < AddressPolicy.Resolver.deadline + 1)
    }
}
