/// The proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` the controller believes: address
/// ranges from `POSTERNPROXY_TRUSTED_PROXIES`, and the controller's own Caddy when it serves the
/// admin. A request from any other peer is taken as it arrived, whatever headers it carries.
public struct TrustedProxies: Sendable, Equatable {
    /// One address range: the network's bytes and the prefix length.
    struct Range: Sendable, Equatable {
        var network: [UInt8]
        var prefixLength: Int

        func contains(_ address: IPAddress) -> Bool {
            guard address.bytes.count == network.count else { return false }
            var remaining = prefixLength
            for (have, want) in zip(address.bytes, network) where remaining > 0 {
                let bits = min(8, remaining)
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
                guard have & mask == want & mask else { return false }
                remaining -= bits
            }
            return true
        }
    }

    private(set) var ranges: [Range] = []
    /// The ranges as written in canonical form (`10.0.0.0/8`, `::1`).
    public private(set) var entries: [String] = []

    /// No proxy is trusted.
    public static let none = TrustedProxies()

    /// Reads a comma- or space-separated list of addresses and CIDR ranges; throws naming
    /// `field` and the entry that is neither.
    public init(parsing text: String, field: String) throws(ValidationFailure) {
        let written = text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" || $0 == "\t" })
        for entry in written {
            let canonical = try FieldRules.cidr(String(entry), field: field)
            let parts = canonical.split(separator: "/")
            let address = IPAddress(String(parts[0]))!
            let length = parts.count == 2 ? Int(parts[1])! : address.bytes.count * 8
            // A range written as IPv4-mapped IPv6 (::ffff:10.0.0.0/104) matches IPv4 peers.
            let network = address.unmapped
            let networkLength = network.bytes.count < address.bytes.count ? max(0, length - 96) : length
            ranges.append(Range(network: network.bytes, prefixLength: networkLength))
            entries.append(canonical)
        }
    }

    init() {}

    /// These ranges and `other`'s.
    func adding(_ other: TrustedProxies) -> TrustedProxies {
        var joined = self
        joined.ranges += other.ranges
        joined.entries += other.entries
        return joined
    }

    public var isEmpty: Bool { ranges.isEmpty }

    /// Whether `address` (IPv4-mapped IPv6 counts as its IPv4 address) is a trusted proxy.
    func contains(_ address: IPAddress) -> Bool {
        let address = address.unmapped
        return ranges.contains { $0.contains(address) }
    }

    func contains(_ text: String) -> Bool {
        guard let address = IPAddress(text) else { return false }
        return contains(address)
    }
}
