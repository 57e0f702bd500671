import Foundation
import Host
import Synchronization

/// A network namespace the test creates, joined to this machine by a veth pair with a /30 on
/// each end: the machine is `hostAddress`, the namespace `address`. Removing it deletes both.
public struct LinkedNamespace: Sendable {
    public let name: String
    public let hostAddress: String, address: String
    /// The machine's end of the link (set it down to cut the namespace off).
    public let hostLink: String

    /// `prefix` names the namespace (`<prefix>-<random>`); `network` is the first two octets.
    public init(prefix: String, network: String) throws {
        let suffix = String(UUID().uuidString.prefix(6)).lowercased()
        name = "\(prefix)-\(suffix)"
        hostLink = "h\(prefix.suffix(1))\(suffix)"
        let peer = "n\(prefix.suffix(1))\(suffix)"
        let subnet = try Self.freeSubnet(in: network)
        hostAddress = "\(network).\(subnet).1"
        address = "\(network).\(subnet).2"
        try Self.run(["ip", "netns", "add", name])
        try Self.run(["ip", "-n", name, "link", "set", "lo", "up"])
        try Self.run(["ip", "link", "add", hostLink, "type", "veth", "peer", "name", peer])
        try Self.run(["ip", "link", "set", peer, "netns", name])
        try Self.run(["ip", "addr", "add", "\(hostAddress)/30", "dev", hostLink])
        try Self.run(["ip", "-n", name, "addr", "add", "\(address)/30", "dev", peer])
        try Self.run(["ip", "link", "set", hostLink, "up"])
        try Self.run(["ip", "-n", name, "link", "set", peer, "up"])
    }

    /// Subnets this process's namespaces hold (tests run side by side), by `network.subnet`.
    private static let held = Mutex<Set<String>>([])

    /// A /30 of `network` that neither this process nor this machine uses: two links on one
    /// subnet would route one test's traffic to another's namespace.
    private static func freeSubnet(in network: String) throws -> Int {
        let result = try LocalTarget().run(TargetCommand(argv: ["ip", "-o", "-4", "addr", "show"]), onLine: { _ in }, isCancelled: { false })
        let assigned = String(decoding: result.standardOutput, as: UTF8.self)
        for _ in 0..<200 {
            let subnet = Int.random(in: 1...250)
            let prefix = "\(network).\(subnet)"
            if !assigned.contains(" \(prefix).1/") && held.withLock({ $0.insert(prefix).inserted }) { return subnet }
        }
        throw TestSetupError("no free /30 left in \(network).0.0/16")
    }

    public func setLink(up: Bool) throws { try Self.run(["ip", "link", "set", hostLink, up ? "up" : "down"]) }

    /// Kills every process still in the namespace (daemons a test started there, such as the
    /// services a provisioning run launched), then deletes the link and the namespace.
    public func remove() {
        if let pids = try? LocalTarget().run(TargetCommand(argv: ["ip", "netns", "pids", name]), onLine: { _ in }, isCancelled: { false }) {
            for pid in String(decoding: pids.standardOutput, as: UTF8.self).split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
        }
        try? Self.run(["ip", "link", "del", hostLink])
        try? Self.run(["ip", "netns", "del", name])
        _ = Self.held.withLock { $0.remove(String(hostAddress.dropLast(2))) }
    }

    static func run(_ argv: [String]) throws {
        let result = try LocalTarget().run(TargetCommand(argv: argv), onLine: { _ in }, isCancelled: { false })
        guard result.exitStatus == 0 else {
            throw TestSetupError("\(argv.joined(separator: " ")): \(String(decoding: result.standardError, as: UTF8.self))")
        }
    }
}
