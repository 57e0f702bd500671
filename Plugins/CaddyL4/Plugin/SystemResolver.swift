import Glibc
import Synchronization

/// The system resolver (address literals in any spelling, /etc/hosts, DNS) with a deadline, for
/// ``UpstreamCheck``: a name that takes longer than two seconds counts as not resolving, so an
/// unreachable DNS server cannot hold an apply.
enum SystemResolver {
    static func resolve(_ host: String) -> [[UInt8]] {
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        // An address literal, in any spelling getaddrinfo reads (`127.1` too), needs no lookup:
        // read here at once, without a thread or a wait.
        let literal = Lookup.addresses(of: name, flags: AI_NUMERICHOST)
        if !literal.isEmpty { return literal }
        let lookup = Lookup(name: name)
        var thread = pthread_t()
        // The thread holds its own reference: a lookup that outlives the deadline finishes alone.
        let retained = Unmanaged.passRetained(lookup)
        guard
            pthread_create(
                &thread, nil,
                { raw in
                    let lookup = Unmanaged<Lookup>.fromOpaque(raw!).takeRetainedValue()
                    let found = lookup.run()
                    lookup.answer.withLock { $0 = found }
                    return nil
                }, retained.toOpaque()) == 0
        else {
            retained.release()
            return []
        }
        pthread_detach(thread)
        // Looked at often at first (/etc/hosts answers in microseconds), then every 10 ms.
        var pause: UInt32 = 50
        var waited: UInt32 = 0
        while waited < 2_000_000 {
            if let found = lookup.answer.withLock({ $0 }) { return found }
            usleep(pause)
            waited += pause
            pause = min(pause * 2, 10_000)
        }
        return []
    }

    private final class Lookup: Sendable {
        let name: String
        let answer = Mutex<[[UInt8]]?>(nil)

        init(name: String) { self.name = name }

        func run() -> [[UInt8]] { Self.addresses(of: name, flags: 0) }

        /// What getaddrinfo says `name` is (IPv4 addresses as 4 bytes, IPv6 as 16); `flags`
        /// `AI_NUMERICHOST` reads address literals only, and never blocks.
        static func addresses(of name: String, flags: Int32) -> [[UInt8]] {
            var hints = addrinfo()
            hints.ai_flags = flags
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(name, nil, &hints, &list) == 0, let first = list else { return [] }
            defer { freeaddrinfo(list) }
            var found: [[UInt8]] = []
            for entry in sequence(first: first, next: { $0.pointee.ai_next }) {
                guard let address = entry.pointee.ai_addr else { continue }
                if entry.pointee.ai_family == AF_INET {
                    var v4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                    found.append(withUnsafeBytes(of: &v4) { Array($0) })
                } else if entry.pointee.ai_family == AF_INET6 {
                    var v6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                    found.append(withUnsafeBytes(of: &v6) { Array($0) })
                }
            }
            return found
        }
    }
}
