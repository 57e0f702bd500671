import Foundation
import Synchronization
import Testing

@testable import Controller

/// The address policy on its own: spellings, embedded IPv4 addresses, names that resolve to
/// this machine or to metadata (a resolver the test controls, as /etc/hosts or DNS would answer).
@Suite struct AddressPolicyTests {
    let policy = AddressPolicy(
        protectedPorts: [81, 2019],
        resolve: { name in
            switch name {
            case "sneaky.example": [IPAddress("127.0.0.1")!]
            case "cloud.example": [IPAddress("10.0.0.9")!, IPAddress("::ffff:169.254.169.254")!]
            case "us.example": [IPAddress("192.0.2.80")!]
            case "lan.example": [IPAddress("10.0.0.9")!]
            default: []
            }
        }, ownAddresses: { [IPAddress("192.0.2.80")!] })

    @Test func everySpellingOfAnAddressIsReadAsTheAddressItIs() {
        for (spelling, address) in [
            ("2130706433", "127.0.0.1"), ("0x7f000001", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"), ("127.1", "127.0.0.1"),
            ("0x7f.0.0.1", "127.0.0.1"), ("[::1]", "::1"), ("0:0:0:0:0:ffff:7f00:1", "::ffff:127.0.0.1"), ("10.0.0.5", "10.0.0.5"),
        ] {
            #expect(AddressPolicy.literal(spelling)?.description == address, "\(spelling)")
        }
        for name in ["cafe", "example.com", "1e100", "08.0.0.1", "", "[]", "abc.def"] {
            #expect(AddressPolicy.literal(name) == nil, "\(name)")
        }
        for (wrapped, inner) in [
            ("::ffff:127.0.0.1", "127.0.0.1"), ("::127.0.0.1", "127.0.0.1"), ("64:ff9b::a9fe:a9fe", "169.254.169.254"),
            ("2002:a9fe:a9fe::1", "169.254.169.254"), ("::1", "::1"), ("2001:db8::1", "2001:db8::1"),
        ] {
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

    @Test func aHostIsJudgedAtOnceExactlyWhenTheResolverIsNotAsked() {
        let asked = Mutex<[String]>([])
        let counting = AddressPolicy(
            protectedPorts: [81],
            resolve: { name in
                asked.withLock { $0.append(name) }
                return []
            }, ownAddresses: { [] })
        for host in [
            "127.0.0.1", "0x7f.1", "[::1]", "::ffff:169.254.169.254", "localhost", "LocalHost.", "app.localhost", "metadata.google.internal",
        ] {
            #expect(counting.judgesAtOnce(host), "\(host)")
            _ = counting.reach(host)
            #expect(asked.withLock { $0 }.isEmpty, "\(host) asked the resolver")
        }
        for host in ["app", "example.com", "1e100", "localhost.example"] {
            #expect(!counting.judgesAtOnce(host), "\(host)")
            _ = counting.reach(host)
            #expect(asked.withLock { $0.popLast() } != nil, "\(host) did not ask the resolver")
        }
    }

    @Test func ownAddressesAreReadOnlyWhenTheyDecide() throws {
        let reads = Mutex(0)
        let counting = AddressPolicy(
            protectedPorts: [81],
            resolve: { name in
                name == "us.example" ? [IPAddress("192.0.2.80")!] : name == "both.example" ? [IPAddress("127.0.0.1")!, IPAddress("192.0.2.80")!] : []
            },
            ownAddresses: {
                reads.withLock { $0 += 1 }
                return [IPAddress("192.0.2.80")!]
            })
        // Loopback decides alone, at any port; an unprotected port needs no look at this host.
        #expect(throws: ValidationFailure.self) { try counting.check(host: "127.0.0.1", port: 81, field: "f") }
        try counting.check(host: "192.0.2.80", port: 3000, field: "f")
        #expect(counting.reach("both.example") == .thisHost)
        #expect(reads.withLock { $0 } == 0)
        // An address that may be one of this machine's own is looked up, and judged by it.
        #expect(throws: ValidationFailure("f", "leads to the controller or Caddy's admin API on this machine (port 81)")) {
            try counting.check(host: "192.0.2.80", port: 81, field: "f")
        }
        #expect(counting.reach("us.example") == .thisHost)
        try counting.check(host: "192.0.2.81", port: 81, field: "f")
        #expect(reads.withLock { $0 } == 3)
        // Metadata is refused whatever the port, this host's addresses unread.
        #expect(throws: ValidationFailure.self) { try counting.check(host: "169.254.169.254", port: 3000, field: "f") }
        #expect(reads.withLock { $0 } == 3)
    }

    @Test func theSystemResolverReadsTheHostsFileAndGivesUpInTime() {
        let resolver = AddressPolicy.Resolver()
        #expect(resolver.addresses("localhost").contains { $0.isLoopback })
        let start = Date()
        _ = resolver.addresses("no-such-name.invalid")
        #expect(Date().timeIntervalSince(start) < AddressPolicy.Resolver.deadline + 1)
    }
}

/// Domain names as UTS #46 reads them, and Punycode's cost bounded whatever is sent.
@Suite struct DomainNameTests {
    @Test func lookalikeSpellingsAreOneNameAndInvisibleCharactersAreRefused() throws {
        for (input, stored) in [
            ("ｅｘａｍｐｌｅ．ｃｏｍ", "example.com"), ("Bücher.Example", "xn--bcher-kva.example"), ("münchen。de", "xn--mnchen-3ya.de"),
            ("ﬁle.example", "file.example"), ("例え.テスト", "xn--r8jz45g.xn--zckzah"), ("bücher.example", "xn--bcher-kva.example"),
        ] {
            #expect(try FieldRules.domainName(input, field: "d") == stored, "\(input)")
        }
        for hostile in [
            "pay\u{200D}pal.com", "pay\u{200B}pal.com", "pay\u{00AD}pal.com", "a\u{FEFF}.com", "a\u{E000}.com", "a\u{0378}.com", "a\u{2028}b.com",
        ] {
            #expect(throws: ValidationFailure.self, "\(hostile.unicodeScalars.map { String($0.value, radix: 16) })") {
                try FieldRules.domainName(hostile, field: "d")
            }
        }
    }

    @Test func punycodeWorkIsBoundedByTheLabelLimit() throws {
        for (label, encoded) in [("bücher", "xn--bcher-kva"), ("ü", "xn--tda"), ("日本語", "xn--wgv71a119e")] {
            #expect(Punycode.asciiLabel(label) == encoded)
        }
        let huge = String((0..<20_000).map { Character(Unicode.Scalar(0x4E00 + $0 % 20_000)!) })
        let start = Date()
        #expect(throws: ValidationFailure.self) { try FieldRules.domainName(huge + ".com", field: "d") }
        #expect(Punycode.asciiLabel(String(huge.prefix(5_000))) == nil)
        #expect(Date().timeIntervalSince(start) < 0.5, "a 20,000-character label is refused at once")
    }
}
