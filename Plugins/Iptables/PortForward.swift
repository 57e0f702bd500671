import JSONCore
import PluginKit

/// A port forward of the desired state, as the controller sends it, or a stream host the
/// controller gave this step to carry (its server's Caddy lacks layer4).
struct PortForward: JSONReadable {
    var id: Int
    /// The resource it is, as results and rule comments name it: `port_forward_<id>` or
    /// `stream_host_<id>`.
    var tag: String
    var enabled: Bool
    /// tcp, udp or tcp+udp.
    var `protocol`: String
    var incomingPort: Int
    var forwardHost: String
    var forwardPort: Int
    /// Incoming interface; empty for all.
    var interface: String
    /// iptables (this plugin) or socat.
    var method: String

    init(json: JSON) throws(JSONReadError) {
        let object = try JSONObject(json)
        id = try object.required("id")
        tag = "port_forward_\(id)"
        enabled = try object.value("enabled", default: true)
        `protocol` = try object.value("protocol", default: "tcp")
        incomingPort = try object.required("incoming_port")
        forwardHost = try object.required("forward_host")
        forwardPort = try object.required("forward_port")
        interface = try object.value("interface", default: "")
        method = try object.value("method", default: "iptables")
    }

    /// A stream host carried by `method` (`iptables` or `socat`): TCP, UDP or both on its
    /// incoming port, on every interface.
    init(stream json: JSON, method: String) throws(JSONReadError) {
        let object = try JSONObject(json)
        id = try object.required("id")
        tag = "stream_host_\(id)"
        enabled = try object.value("enabled", default: true)
        let tcp: Bool = try object.value("tcp_forwarding", default: true)
        let udp: Bool = try object.value("udp_forwarding", default: false)
        `protocol` = tcp && udp ? "tcp+udp" : udp ? "udp" : "tcp"
        incomingPort = try object.required("incoming_port")
        forwardHost = try object.required("forwarding_host")
        forwardPort = try object.required("forwarding_port")
        interface = ""
        self.method = method
    }

    /// The port forwards of a server's desired state (the part this plugin reads), and the
    /// stream hosts its `stream_carriers` give this step.
    static func all(in state: [UInt8]) throws -> [PortForward] {
        do {
            let object = try JSONObject(try JSONParser.parseObject(state, parsing: ["port_forwards", "stream_carriers", "stream_hosts"]).0)
            let forwards: [PortForward] = try object.value("port_forwards", default: [])
            let carriers: [String: String] = try object.value("stream_carriers", default: [:])
            guard !carriers.isEmpty else { return forwards }
            var streams: [PortForward] = []
            for stream in try object.value("stream_hosts", default: [JSON]()) {
                guard case .int(let id)? = stream["id"], let method = carriers[String(id)] else { continue }
                streams.append(try PortForward(stream: stream, method: method))
            }
            return forwards + streams
        } catch {
            throw PluginFailure("desired state: \(error)")
        }
    }

    /// Why this forward cannot be rendered, naming the field; nil when it is valid.
    var problem: String? {
        guard ["tcp", "udp", "tcp+udp"].contains(`protocol`) else { return "protocol must be tcp, udp or tcp+udp" }
        guard (1...65535).contains(incomingPort) else { return "incoming_port must be 1-65535" }
        guard (1...65535).contains(forwardPort) else { return "forward_port must be 1-65535" }
        guard Self.isIPv4(forwardHost) || (method == "socat" && Self.isHostName(forwardHost)) else {
            return method == "socat" ? "forward_host must be an IPv4 address or a host name" : "forward_host must be an IPv4 address"
        }
        guard interface.isEmpty || Self.isInterfaceName(interface) else {
            return "interface must be 1-15 letters, digits, '.', '_' or '-'"
        }
        guard ["iptables", "socat"].contains(method) else { return "method must be iptables or socat" }
        return nil
    }

    /// For the socat method: one socat per protocol, listening on the incoming port (bound to the
    /// interface when one is set) and relaying to the forward host. Every value was checked by
    /// ``problem`` (digits, an IPv4 address or a host name, an interface name), so none can add a
    /// socat option: a host name is letters, digits, '-' and '.', and socat resolves it for each
    /// connection.
    var socatProcesses: [(id: String, argv: [String])] {
        let protocols = `protocol` == "tcp+udp" ? ["tcp", "udp"] : [`protocol`]
        let device = interface.isEmpty ? "" : ",so-bindtodevice=\(interface)"
        return protocols.map { name in
            let listen =
                name == "tcp" ? "TCP4-LISTEN:\(incomingPort),fork,reuseaddr\(device)" : "UDP4-RECVFROM:\(incomingPort),fork,reuseaddr\(device)"
            let relay = name == "tcp" ? "TCP4:\(forwardHost):\(forwardPort)" : "UDP4-SENDTO:\(forwardHost):\(forwardPort)"
            return ("\(tag)/\(name)", ["socat", listen, relay])
        }
    }

    static func isIPv4(_ text: String) -> Bool {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4
            && octets.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) && Int($0)! <= 255 }
    }

    /// A DNS host name: dot-separated labels of 1-63 letters, digits and '-', not starting or
    /// ending with '-', 253 characters at most.
    static func isHostName(_ text: String) -> Bool {
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        return (1...253).contains(text.utf8.count)
            && labels.allSatisfy { label in
                (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                    && label.utf8.allSatisfy { byte in
                        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D
                    }
            }
    }

    static func isInterfaceName(_ text: String) -> Bool {
        (1...15).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2E || byte == 0x5F
                    || byte == 0x2D
            }
    }
}
