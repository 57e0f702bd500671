import Host
import JSONCore

/// A data plane's health as it is stored on its server and shown to the browsers:
/// `{"caddy_running", "upstreams": [{"address", "requests", "fails"}]}`.
enum UpstreamHealthReport {
    static func json(running: Bool, upstreams: [AgentMessage.UpstreamHealth]) -> String {
        let list = upstreams.map { JSON.with(["address": $0.address, "requests": $0.requests, "fails": $0.fails]) }
        return String(decoding: JSON.with(["caddy_running": running, "upstreams": list]).serialized(), as: UTF8.self)
    }
}
