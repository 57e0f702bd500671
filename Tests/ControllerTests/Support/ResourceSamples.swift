import Foundation

/// A valid create body and update body for each resource type, as JSON text (Sendable).
struct ResourceSample: Sendable, CustomStringConvertible {
    var path: String
    var type: String
    var create: String
    var update: String
    /// A field the update changes, and its new value as the API shows it.
    var changedField: String
    var changedValue: String

    var description: String { path }

    static let all: [ResourceSample] = [
        ResourceSample(
            path: "proxy-hosts", type: "proxy_host",
            create:
                #"{"domain_names": ["app.example.test"], "forward_host": "10.0.0.5", "forward_port": 8080, "locations": [{"path": "/api", "forward_scheme": "http", "forward_host": "10.0.0.6", "forward_port": 9000}], "headers": [{"direction": "request", "action": "set", "name": "X-Real-IP", "value": "{remote_host}"}]}"#,
            update: #"{"forward_host": "10.0.0.7"}"#, changedField: "forward_host", changedValue: "10.0.0.7"),
        ResourceSample(
            path: "redirection-hosts", type: "redirection_host",
            create:
                #"{"domain_names": ["old.example.test"], "forward_scheme": "https", "forward_domain_name": "new.example.test", "forward_http_code": 301}"#,
            update: #"{"forward_domain_name": "newer.example.test"}"#, changedField: "forward_domain_name", changedValue: "newer.example.test"),
        ResourceSample(
            path: "dead-hosts", type: "dead_host",
            create: #"{"domain_names": ["gone.example.test"]}"#,
            update: #"{"domain_names": ["gone2.example.test"]}"#, changedField: "domain_names", changedValue: "gone2.example.test"),
        ResourceSample(
            path: "stream-hosts", type: "stream_host",
            create: #"{"incoming_port": 2222, "forwarding_host": "10.0.0.9", "forwarding_port": 22}"#,
            update: #"{"forwarding_port": 2200}"#, changedField: "forwarding_port", changedValue: "2200"),
        ResourceSample(
            path: "port-forwards", type: "port_forward",
            create: #"{"protocol": "tcp", "incoming_port": 3306, "forward_host": "10.0.0.10", "forward_port": 3306}"#,
            update: #"{"interface": "eth0"}"#, changedField: "interface", changedValue: "eth0"),
        ResourceSample(
            path: "access-lists", type: "access_list",
            create:
                #"{"name": "office", "clients": [{"address": "10.0.0.0/8", "directive": "allow"}], "items": [{"username": "alice", "password": "wonderland"}]}"#,
            update: #"{"name": "head office"}"#, changedField: "name", changedValue: "head office"),
        ResourceSample(
            path: "certificates", type: "certificate",
            create: #"{"provider": "letsencrypt", "domain_names": ["secure.example.test"]}"#,
            update: #"{"nice_name": "secure site"}"#, changedField: "nice_name", changedValue: "secure site"),
    ]

    static func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }
}

/// Reads a JSON value for comparison with a sample's expected text.
func describeValue(_ value: Any?) -> String {
    switch value {
    case let list as [Any]: return list.map { describeValue($0) }.joined(separator: ",")
    case let object as [String: Any]:
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? ""
    case let number as NSNumber: return number.stringValue
    case let text as String: return text
    default: return String(describing: value ?? "nil")
    }
}
