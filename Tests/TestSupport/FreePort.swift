import Foundation
import Synchronization

/// A TCP port on 127.0.0.1 that nothing listens on right now, that no other caller in this
/// process has been given, and that the kernel never picks for an outgoing connection.
///
/// The second condition matters because Caddy listens with `SO_REUSEPORT`: two Caddys of tests
/// running in parallel that were given the same port would both listen, and the kernel would
/// share the connections between them without an error anywhere.
///
/// The third matters because tests open thousands of connections while others start servers: a
/// port from the kernel's ephemeral range (`ip_local_port_range`), free when handed out, can be
/// the local end of a test's connection by the time a Caddy binds it, and that Caddy's load then
/// fails. Ports are therefore drawn from the range just below it.
public enum FreePort {
    private static let handedOut = Mutex<Set<Int>>([])

    /// Where ports are drawn from: the 12,000 ports below the ephemeral range.
    static let range: Range<Int> = {
        let ephemeralLow =
            (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))
            .flatMap { $0.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } } ?? 32_768
        let high = max(ephemeralLow, 13_024)
        return (high - 12_000)..<high
    }()

    public static func next() throws -> Int {
        for _ in 0..<1_000 {
            let port = Int.random(in: range)
            guard isFree(port) else { continue }
            if handedOut.withLock({ $0.insert(port).inserted }) { return port }
        }
        throw TestSetupError("cannot find a free port in \(range) not handed out before")
    }

    /// Whether a listening socket can be bound to `port` on 127.0.0.1 at this moment.
    private static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return bound == 0
    }
}
