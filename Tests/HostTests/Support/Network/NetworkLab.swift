import Foundation
import TestSupport
import Host

/// Three network namespaces the test creates — client ↔ forwarder ↔ backend, joined by veth
/// pairs — so iptables rules are applied to the forwarder's own tables, never the machine's, and
/// real traffic crosses them.
final class NetworkLab {
    let client: String, forwarder: String, backend: String
    /// The forwarder's address on the client's link, and the backend's address.
    let forwarderAddress = "10.77.1.1", backendAddress = "10.77.2.2"

    init() throws {
        let suffix = String(UUID().uuidString.prefix(6)).lowercased()
        client = "ppc-\(suffix)"
        forwarder = "ppf-\(suffix)"
        backend = "ppb-\(suffix)"
        for namespace in [client, forwarder, backend] {
            try Self.ip(["netns", "add", namespace])
            try Self.ip(["-n", namespace, "link", "set", "lo", "up"])
        }
        try link("c\(suffix)", in: client, address: "10.77.1.2/24", peer: "fc\(suffix)", in: forwarder, peerAddress: "10.77.1.1/24")
        try link("b\(suffix)", in: backend, address: "10.77.2.2/24", peer: "fb\(suffix)", in: forwarder, peerAddress: "10.77.2.1/24")
        try run(in: forwarder, ["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"])
    }

    /// A target whose commands run inside `namespace`.
    func target(_ namespace: String) -> NamespaceTarget { NamespaceTarget(namespace: namespace) }

    @discardableResult
    func run(in namespace: String, _ argv: [String], timeout: Duration = .seconds(20)) throws -> CommandResult {
        try NamespaceTarget(namespace: namespace).run(TargetCommand(argv: argv, timeout: timeout), onLine: { _ in }, isCancelled: { false })
    }

    /// iptables-save of both tables without comments and counters: what must stay identical.
    func savedRules(in namespace: String) throws -> String {
        try ["nat", "filter"].map { table in
            let output = String(decoding: try run(in: namespace, ["iptables-save", "-t", table]).standardOutput, as: UTF8.self)
            return output.split(separator: "\n").filter { !$0.hasPrefix("#") }
                .map { $0.replacingOccurrences(of: #"\[\d+:\d+\]"#, with: "", options: .regularExpression) }
                .joined(separator: "\n")
        }.joined(separator: "\n")
    }

    func remove() {
        for namespace in [client, forwarder, backend] { try? Self.ip(["netns", "del", namespace]) }
    }

    private func link(_ name: String, in namespace: String, address: String, peer: String, in peerNamespace: String, peerAddress: String) throws {
        try Self.ip(["link", "add", name, "type", "veth", "peer", "name", peer])
        try Self.ip(["link", "set", name, "netns", namespace])
        try Self.ip(["link", "set", peer, "netns", peerNamespace])
        try Self.ip(["-n", namespace, "addr", "add", address, "dev", name])
        try Self.ip(["-n", peerNamespace, "addr", "add", peerAddress, "dev", peer])
        try Self.ip(["-n", namespace, "link", "set", name, "up"])
        try Self.ip(["-n", peerNamespace, "link", "set", peer, "up"])
    }

    private static func ip(_ arguments: [String]) throws {
        let result = try LocalTarget().run(TargetCommand(argv: ["ip"] + arguments), onLine: { _ in }, isCancelled: { false })
        guard result.exitStatus == 0 else {
            throw TestSetupError("ip \(arguments.joined(separator: " ")): \(String(decoding: result.standardError, as: UTF8.self))")
        }
    }
}

/// A ``Target`` whose commands run inside a network namespace (`ip netns exec`); files are the
/// machine's own.
struct NamespaceTarget: Target {
    let namespace: String
    private let local = LocalTarget()

    init(namespace: String) { self.namespace = namespace }

    var name: String { "netns:\(namespace)" }

    func run(
        _ command: TargetCommand, onLine: @escaping @Sendable (OutputLine) -> Void,
        isCancelled: @escaping @Sendable () -> Bool
    ) throws(TargetError) -> CommandResult {
        var wrapped = command
        wrapped.argv = ["ip", "netns", "exec", namespace] + command.argv
        return try local.run(wrapped, onLine: onLine, isCancelled: isCancelled)
    }

    func readFile(_ path: String) throws(TargetError) -> [UInt8]? { try local.readFile(path) }
    func writeFile(_ path: String, contents: [UInt8], mode: UInt32) throws(TargetError) { try local.writeFile(path, contents: contents, mode: mode) }
    func removeFile(_ path: String) throws(TargetError) -> Bool { try local.removeFile(path) }
    func http(_ request: HTTPRequest) throws(TargetError) -> HTTPResponse { try local.http(request) }
    func begin(_ request: HTTPRequest) throws(TargetError) -> any BegunHTTPRequest { try local.begin(request) }
}
