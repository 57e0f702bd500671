import Foundation
import Synchronization

/// Where a host that a user names may lead: the one rule every field that names an address
/// goes through (proxy hosts' upstreams, locations and health checks, stream hosts, port
/// forwards, server host names, the ACME directory).
///
/// A host is reduced to the addresses it stands for before it is judged: an address literal in
/// any spelling a resolver accepts (`2130706433`, `0177.0.0.1`, `0x7f.1`, `[::ffff:127.0.0.1]`,
/// `::ffff:7f00:1`, 6to4 and NAT64 forms carrying an IPv4 address); a name through the system
/// resolver (so `/etc/hosts` counts), with `localhost` and the cloud metadata names known without
/// asking. Then:
/// - cloud metadata (link-local `169.254.0.0/16` and `fe80::/10`, AWS's `fd00:ec2::254`,
///   Alibaba's `100.100.100.200`, and the metadata names) is refused at any port;
/// - this host (loopback, the unspecified address, any of its interface addresses) is refused
///   at a protected port: the controller's listeners and Caddy's admin API.
/// A name that does not resolve here is let through: it may exist only where it is used (a
/// container name on a remote server).
struct AddressPolicy: Sendable {
    /// Ports of this host no proxy may lead to.
    var protectedPorts: Set<Int>
    /// The addresses a name stands for; empty when it does not resolve.
    var resolve: @Sendable (String) -> [IPAddress] = AddressPolicy.systemResolver.addresses
    /// This host's own interface addresses.
    var ownAddresses: @Sendable () -> [IPAddress] = { HostAddresses.addresses() }

    static let caddyAdminPort = 2019
    static let metadataNames: Set<String> = ["metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal"]

    /// What a host leads to that this policy cares about.
    enum Reach: Equatable {
        case elsewhere
        /// This machine (at any port).
        case thisHost
        case cloudMetadata
    }

    /// Refuses `host` (already a valid host name or address) at `port` (nil: every port, for a
    /// host this machine will dial itself, such as a server to provision) with a message naming
    /// `field`.
    func check(host: String, port: Int?, field: String) throws(ValidationFailure) {
        let protected = port.map(protectedPorts.contains) ?? true
        switch reach(host, thisHostMatters: protected) {
        case .cloudMetadata:
            throw ValidationFailure(field, "leads to a cloud metadata service (link-local address or metadata name)")
        case .thisHost where protected:
            throw ValidationFailure(
                field,
                port == nil
                    ? "leads to this machine (loopback or one of its own addresses)"
                    : "leads to the controller or Caddy's admin API on this machine (port \(port!))")
        default:
            return
        }
    }

    /// Whether ``reach(_:)`` knows where `host` leads without asking the resolver (which may
    /// take up to two seconds): an address literal, `localhost`, or a metadata name.
    func judgesAtOnce(_ host: String) -> Bool {
        let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        return Self.metadataNames.contains(name) || name == "localhost" || name.hasSuffix(".localhost") || Self.literal(host) != nil
    }

    /// Where `host` leads. With `thisHostMatters` false (a caller that refuses only cloud
    /// metadata), a host that is not metadata may be answered `.elsewhere` when it is this host.
    /// This machine's interface addresses are read (a netlink request) only when an address
    /// that is neither loopback nor unspecified leaves the answer open.
    func reach(_ host: String, thisHostMatters: Bool = true) -> Reach {
        let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        if Self.metadataNames.contains(name) { return .cloudMetadata }
        if name == "localhost" || name.hasSuffix(".localhost") { return .thisHost }
        let addresses = Self.literal(host).map { [$0] } ?? resolve(name)
        var own: [IPAddress]?
        var reach = Reach.elsewhere
        for address in addresses.map(Self.embedded) {
            if Self.isCloudMetadata(address) { return .cloudMetadata }
            guard thisHostMatters, reach != .thisHost else { continue }
            if address.isLoopback || Self.isThisNetwork(address) {
                reach = .thisHost
                continue
            }
            if own == nil { own = ownAddresses().map(Self.embedded) }
            if own!.contains(address) { reach = .thisHost }
        }
        return reach
    }

    /// An address literal in any spelling: IPv6 (bracketed or not) by inet_pton, IPv4 as
    /// inet_aton reads it (one to four parts, each decimal, octal with a leading 0 or hex with
    /// 0x), which is what resolvers accept for a "name" made of digits.
    static func literal(_ host: String) -> IPAddress? {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare.contains(":") { return IPAddress(bare) }
        var address = in_addr()
        guard !bare.isEmpty, bare.utf8.count <= 64,
            bare.utf8.allSatisfy({ $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "x") || $0 == UInt8(ascii: "X") || isxdigit(Int32($0)) != 0 }),
            inet_aton(bare, &address) != 0
        else { return nil }
        return IPAddress(bytes: withUnsafeBytes(of: &address) { Array($0) })
    }

    /// The IPv4 address inside an IPv6 one that carries it (mapped `::ffff:a.b.c.d`, compatible
    /// `::a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`, 6to4 `2002:aabb:ccdd::`); any other as it is.
    static func embedded(_ address: IPAddress) -> IPAddress {
        let b = address.bytes
        guard b.count == 16 else { return address }
        if b[0..<10].allSatisfy({ $0 == 0 }) && ((b[10] == 0xFF && b[11] == 0xFF) || (b[10] == 0 && b[11] == 0 && !b[12..<15].allSatisfy { $0 == 0 }))
        {
            return IPAddress(bytes: Array(b[12...]))!
        }
        if b[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0] { return IPAddress(bytes: Array(b[12...]))! }
        if b[0] == 0x20 && b[1] == 0x02 { return IPAddress(bytes: Array(b[2..<6]))! }
        return address
    }

    /// `0.0.0.0/8` and `::`: "this network", which reaches this host.
    static func isThisNetwork(_ address: IPAddress) -> Bool {
        address.isV4 ? address.bytes[0] == 0 : address.isUnspecified
    }

    static func isCloudMetadata(_ address: IPAddress) -> Bool {
        address.isLinkLocal || address.bytes == [100, 100, 100, 200]
            || address.bytes == [0xFD, 0x00, 0x0E, 0xC2] + [UInt8](repeating: 0, count: 10) + [0x02, 0x54]
    }

    /// getaddrinfo with a deadline (two seconds; a name that takes longer counts as not
    /// resolving) and a minute's memory, so a thousand hosts naming one upstream ask once.
    final class Resolver: Sendable {
        private let cache = Mutex<[String: (addresses: [IPAddress], until: Date)]>([:])
        static let deadline: TimeInterval = 2
        static let memory: TimeInterval = 60

        func addresses(_ name: String) -> [IPAddress] {
            let now = Date()
            if let hit = cache.withLock({ $0[name] }), hit.until > now { return hit.addresses }
            let answer = Mutex<[IPAddress]?>(nil)
            let done = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                answer.withLock { $0 = Self.lookup(name) }
                done.signal()
            }
            let found = done.wait(timeout: .now() + Self.deadline) == .success ? answer.withLock { $0 } ?? [] : []
            cache.withLock { table in
                if table.count > 10_000 { table.removeAll() }
                table[name] = (found, now + Self.memory)
            }
            return found
        }

        private static func lookup(_ name: String) -> [IPAddress] {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(name, nil, &hints, &list) == 0, let first = list else { return [] }
            defer { freeaddrinfo(list) }
            var found: [IPAddress] = []
            for entry in sequence(first: first, next: { $0.pointee.ai_next }) {
                guard let address = entry.pointee.ai_addr else { continue }
                switch entry.pointee.ai_family {
                case AF_INET:
                    var v4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                    found.append(IPAddress(bytes: withUnsafeBytes(of: &v4) { Array($0) })!)
                case AF_INET6:
                    var v6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                    found.append(IPAddress(bytes: withUnsafeBytes(of: &v6) { Array($0) })!)
                default: continue
                }
            }
            return found
        }
    }

    static let systemResolver = Resolver()
}
