import Foundation

/// An IPv4 or IPv6 address literal, parsed with inet_pton.
struct IPAddress: Equatable, CustomStringConvertible {
    let bytes: [UInt8]

    var isV4: Bool { bytes.count == 4 }

    init?(_ text: String) {
        guard !text.isEmpty, text.utf8.count <= 45 else { return nil }
        var v4 = in_addr()
        if text.contains("."), !text.contains(":"), inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if text.contains(":"), inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
            return
        }
        return nil
    }

    var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var copy = bytes
        return copy.withUnsafeMutableBytes { raw in
            inet_ntop(isV4 ? AF_INET : AF_INET6, raw.baseAddress, &buffer, socklen_t(buffer.count))
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) stands for; any other
    /// address as it is.
    var unmapped: IPAddress {
        guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF else { return self }
        return IPAddress(bytes: Array(bytes[12...]))!
    }

    /// An address from its 4 or 16 bytes in network order.
    init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Loopback (127.0.0.0/8, ::1).
    var isLoopback: Bool { isV4 ? bytes[0] == 127 : bytes == [UInt8](repeating: 0, count: 15) + [1] }
    /// Link-local (169.254.0.0/16, fe80::/10): where cloud metadata services live.
    var isLinkLocal: Bool { isV4 ? bytes[0] == 169 && bytes[1] == 254 : bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 }
    /// The unspecified address (0.0.0.0, ::), which reaches this host.
    var isUnspecified: Bool { bytes.allSatisfy { $0 == 0 } }
}

extension IPAddress {
    /// A private or shared range (10/8, 172.16/12, 192.168/16, 100.64/10 carrier NAT, fc00::/7
    /// unique local): reachable only from inside the network that uses it.
    var isPrivate: Bool {
        if isV4 {
            return bytes[0] == 10 || (bytes[0] == 172 && bytes[1] & 0xF0 == 16) || (bytes[0] == 192 && bytes[1] == 168)
                || (bytes[0] == 100 && bytes[1] & 0xC0 == 64)
        }
        return bytes[0] & 0xFE == 0xFC
    }
}
