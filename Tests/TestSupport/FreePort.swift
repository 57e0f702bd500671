import Foundation
import Synchronization

/// A TCP port on 127.0.0.1 that nothing listens on right now, and that no other caller in this
/// process has been given.
///
/// The second condition matters because Caddy listens with `SO_REUSEPORT`: two Caddys of tests
/// running in parallel that were given the same port would both listen, and the kernel would
/// share the connections between them without an error anywhere.
public enum FreePort {
    private static let handedOut = Mutex<Set<Int>>([])

    public static func next() throws -> Int {
        for _ in 0..<100 {
            let port = try unusedPort()
            if handedOut.withLock({ $0.insert(port).inserted }) { return port }
        }
        throw TestSetupError("cannot find a port not handed out before")
    }

    /// A port the kernel picks for a socket bound to port 0 (free at this moment).
    private static func unusedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw TestSetupError("cannot bind a free port") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
