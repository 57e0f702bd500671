import CaddyL4Rendering
import JSONCore
import PluginKit

/// The recent lines of a host's access log (``AccessLogs``), newest first, filtered on this
/// server so that only what was asked for leaves it: `{"access_log": {"host_id", "limit",
/// "status", "method", "path", "client"}}` as the describe input; `status` is a class (`4xx`) or
/// a code (`404`), `path` and `client` are substrings. The values of `Authorization`,
/// `Proxy-Authorization`, `Cookie` and `Set-Cookie` are replaced by `REDACTED` before anything
/// is answered (Caddy redacts them too; this does not rely on it).
struct AccessLogReader {
    var hostID: Int
    var limit: Int
    var status: String?
    var method: String?
    var path: String?
    var client: String?

    static let redactedHeaders: Set<String> = ["authorization", "proxy-authorization", "cookie", "set-cookie"]

    init(_ query: JSON) throws {
        let object = try JSONObject(query)
        hostID = try object.required("host_id")
        limit = try object.value("limit", default: 200)
        status = try object.optional("status")
        method = try object.optional("method")
        path = try object.optional("path")
        client = try object.optional("client")
        guard hostID > 0, (1...1000).contains(limit) else { throw PluginFailure("access_log: host_id must be an id and limit 1 to 1000") }
    }

    /// `{"lines": [...], "found": bool}` from the log's text (nil: no log yet).
    func answer(_ text: [UInt8]?) -> JSON {
        guard let text else { return ["lines": [], "found": false] }
        var lines: [JSON] = []
        for raw in text.split(separator: UInt8(ascii: "\n")).reversed() where raw.count < 256 << 10 {
            guard let entry = try? JSONParser.parse(Array(raw)), let line = Self.line(entry), matches(line) else { continue }
            lines.append(line)
            if lines.count == limit { break }
        }
        return ["lines": .array(lines), "found": true]
    }

    /// What the UI shows of one line of Caddy's access log.
    static func line(_ entry: JSON) -> JSON? {
        guard let request = entry["request"], let ts = entry["ts"]?.numberValue else { return nil }
        func text(_ value: JSON?) -> JSON { value?.stringValue.map { .string(String($0.prefix(2048))) } ?? .null }
        func number(_ value: JSON?) -> JSON { value?.numberValue.map { .int(Int($0)) } ?? .null }
        let duration = entry["duration"]?.numberValue.map { JSON.double(($0 * 10000).rounded() / 10) } ?? .null
        return .object([
            ("ts", .double(ts)), ("status", number(entry["status"])), ("method", text(request["method"])), ("host", text(request["host"])),
            ("uri", text(request["uri"])), ("proto", text(request["proto"])),
            ("client", text(request["client_ip"] ?? request["remote_ip"])), ("duration_ms", duration), ("size", number(entry["size"])),
            ("request_headers", redacted(request["headers"])), ("response_headers", redacted(entry["resp_headers"])),
        ])
    }

    /// Header values as lists of strings, the credentials' replaced.
    static func redacted(_ headers: JSON?) -> JSON {
        guard case .object(let members)? = headers else { return .object([]) }
        return .object(
            members.prefix(100).map { name, value in
                if redactedHeaders.contains(name.lowercased()) { return (name, .strings(["REDACTED"])) }
                let values = (value.arrayValue ?? [value]).prefix(20).compactMap { $0.stringValue.map { String($0.prefix(2048)) } }
                return (name, .strings(values))
            })
    }

    private func matches(_ line: JSON) -> Bool {
        if let status {
            guard let code = line["status"]?.numberValue.map({ Int($0) }) else { return false }
            let wanted = status.hasSuffix("xx") ? status.prefix(1) == String(code / 100) : status == String(code)
            guard wanted else { return false }
        }
        if let method, line["method"]?.stringValue != method { return false }
        if let path, !(line["uri"]?.stringValue ?? "").contains(path) { return false }
        if let client, !(line["client"]?.stringValue ?? "").contains(client) { return false }
        return true
    }
}
