import Foundation
import TestSupport

/// Builds desired-state JSON documents for the tests, as the controller would send them.
enum DesiredStateJSON {
    static func document(_ members: [String: Any]) -> String {
        var state = members
        state["revision"] = state["revision"] ?? 1
        let data = try! JSONSerialization.data(withJSONObject: state, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// A proxy host to `upstream`, with `extra` fields.
    static func proxyHost(_ id: Int, _ domains: [String], to upstream: TestUpstream, _ extra: [String: Any] = [:]) -> [String: Any] {
        [
            "id": id, "domain_names": domains, "forward_scheme": "http", "forward_host": "127.0.0.1",
            "forward_port": upstream.port, "enabled": true,
        ].merging(extra) { $1 }
    }
}
