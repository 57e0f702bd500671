/// The controller refuses, when a host is saved, upstreams that lead to cloud metadata or to
/// this machine's protected ports; but a name is resolved where it is used, and may resolve
/// differently on this server, or have changed since. So before each config is rendered, every
/// upstream of every enabled proxy host and stream host is resolved here, and a resource whose
/// upstream now leads to a link-local address (cloud metadata: `169.254.0.0/16`, `fe80::/10`,
/// `100.100.100.200`, `fd00:ec2::254`) or to this machine (loopback, `0.0.0.0/8`, `::`) at a
/// protected port is left out and reported, unless an admin allowed reserved upstreams on it.
/// (The plugin resolves with the system resolver and a deadline: `SystemResolver`.)
/// A name that does not resolve is let through (Caddy will fail to reach it).
public enum UpstreamCheck {
    /// The resources to leave out, and why; `resolve` gives the addresses (4 or 16 bytes) a host
    /// stands for here.
    public static func rejections(_ state: DesiredState, protectedPorts: Set<Int>, resolve: (String) -> [[UInt8]]) -> [ResourceKey: String] {
        // Each name is resolved once per check, and each name and port judged once: 10,000
        // hosts on a few upstreams cost a few lookups. Hosts in a row often share their
        // upstream: the last verdict is tried before hashing the name.
        var cache: [String: [[UInt8]]] = [:]
        var judged: [Target: Verdict] = [:]
        var last: (target: Target, verdict: Verdict)?
        func problem(_ host: String, _ port: Int, field: String) -> String? {
            let verdict: Verdict
            if let last, last.target.port == port, last.target.host == host {
                verdict = last.verdict
            } else if let known = judged[Target(host: host, port: port)] {
                verdict = known
                last = (Target(host: host, port: port), known)
            } else {
                let addresses = cache[host] ?? resolve(host)
                cache[host] = addresses
                verdict = judge(addresses, port: port, protectedPorts: protectedPorts)
                judged[Target(host: host, port: port)] = verdict
                last = (Target(host: host, port: port), verdict)
            }
            switch verdict {
            case .fine: return nil
            case .cloudMetadata: return "\(field) \(host) resolves on this server to a cloud metadata address"
            case .protectedPort: return "\(field) \(host) resolves on this server to this machine, port \(port), which is protected"
            }
        }
        var rejected: [ResourceKey: String] = [:]
        // Read field by field where each host lies: a copy of each host (some twenty counted
        // references) cost more than the check.
        let hosts = state.proxyHosts
        for index in hosts.indices where hosts[index].enabled && !hosts[index].allowReservedUpstream {
            var message = problem(hosts[index].forwardHost, hosts[index].forwardPort, field: "forward_host")
            for upstream in hosts[index].upstreams where message == nil { message = problem(upstream.host, upstream.port, field: "upstream") }
            for location in hosts[index].locations where message == nil {
                message = problem(location.forwardHost, location.forwardPort, field: "location \(location.path)")
            }
            if let message { rejected[ResourceKey(kind: "proxy_host", id: hosts[index].id)] = message + ": left out" }
        }
        for stream in state.streamHosts where stream.enabled && state.caddyCarries(stream) {
            if let message = problem(stream.forwardingHost, stream.forwardingPort, field: "forwarding_host") {
                rejected[ResourceKey(kind: "stream_host", id: stream.id)] = message + ": left out"
            }
        }
        return rejected
    }

    private struct Target: Hashable {
        var host: String
        var port: Int
    }

    private enum Verdict {
        case fine, cloudMetadata, protectedPort
    }

    /// What `addresses` at `port` are: the first address that leads somewhere refused decides.
    private static func judge(_ addresses: [[UInt8]], port: Int, protectedPorts: Set<Int>) -> Verdict {
        for bytes in addresses.map(embeddedIPv4) {
            if isCloudMetadata(bytes) { return .cloudMetadata }
            if isThisMachine(bytes), protectedPorts.contains(port) { return .protectedPort }
        }
        return .fine
    }

    /// The IPv4 address an IPv6 one carries (mapped, compatible, NAT64, 6to4); others as they are.
    static func embeddedIPv4(_ b: [UInt8]) -> [UInt8] {
        guard b.count == 16 else { return b }
        if b[0..<10].allSatisfy({ $0 == 0 }) && ((b[10] == 0xFF && b[11] == 0xFF) || (b[10] == 0 && b[11] == 0 && !b[12..<15].allSatisfy { $0 == 0 }))
        {
            return Array(b[12...])
        }
        if b[0..<12].elementsEqual([0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0]) { return Array(b[12...]) }
        if b[0] == 0x20 && b[1] == 0x02 { return Array(b[2..<6]) }
        return b
    }

    static func isCloudMetadata(_ b: [UInt8]) -> Bool {
        b.count == 4
            ? (b[0] == 169 && b[1] == 254) || b == [100, 100, 100, 200]
            : (b[0] == 0xFE && b[1] & 0xC0 == 0x80) || b == [0xFD, 0x00, 0x0E, 0xC2] + [UInt8](repeating: 0, count: 10) + [0x02, 0x54]
    }

    static func isThisMachine(_ b: [UInt8]) -> Bool {
        b.count == 4 ? b[0] == 127 || b[0] == 0 : b.dropLast().allSatisfy { $0 == 0 } && (b[15] == 0 || b[15] == 1)
    }
}
