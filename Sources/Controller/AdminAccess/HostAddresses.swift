import Foundation

/// This machine's names and interface addresses: what a certificate made for it at first start
/// names, so a browser that reaches the controller by any of them sees a matching certificate.
enum HostAddresses {
    /// The host name (and `localhost`).
    static func names() -> [String] {
        var buffer = [CChar](repeating: 0, count: 256)
        var names = ["localhost"]
        if gethostname(&buffer, buffer.count) == 0 {
            let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).lowercased()
            if !name.isEmpty, name != "localhost", (try? FieldRules.domainName(name, field: "hostname", singleLabel: true)) != nil {
                names.insert(name, at: 0)
            }
        }
        return names
    }

    /// Every address of every interface that is up, loopback included; link-local IPv6 left out
    /// (it needs a zone, which a certificate cannot name).
    static func addresses() -> [IPAddress] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var found: [IPAddress] = []
        for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
            guard let address = entry.pointee.ifa_addr, entry.pointee.ifa_flags & UInt32(IFF_UP) != 0 else { continue }
            var bytes: [UInt8]
            switch Int32(address.pointee.sa_family) {
            case AF_INET:
                var v4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                bytes = withUnsafeBytes(of: &v4) { Array($0) }
            case AF_INET6:
                var v6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                bytes = withUnsafeBytes(of: &v6) { Array($0) }
            default: continue
            }
            guard let parsed = IPAddress(bytes: bytes), !(parsed.bytes.count == 16 && parsed.isLinkLocal), !found.contains(parsed) else { continue }
            found.append(parsed)
        }
        return found
    }
}
