import JSONCore

/// How Caddy tells PosternProxy what each host served: one short JSON line per request in a log
/// of its own, `posternproxy-traffic.log` beside the certificate log (mode 0640, so the agent
/// reads it as a member of Caddy's group), rolled at 10 MB with one rolled file kept. A log
/// outlives every config load (Caddy keeps the file open across loads), so counting never waits
/// for a load and a load never waits for counting, as it would for Caddy's own metrics, which
/// start from zero at every load and take Caddy tens of milliseconds to gather with 1,000 busy
/// hosts.
///
/// Every request of a server goes to one logger, ``logger`` (the servers' `default_logger_name`):
/// a line holds only that logger, the request's host, `bytes_read`, `duration`, `size` and
/// `status` (no address, path, header or credential), and the step tells the host it counts
/// under from the names it loaded. Only a host whose own access log is on is named in
/// `logger_names` (with ``logger`` beside its access log's logger): Caddy's load takes some
/// 11 µs per name there, 11 ms for 1,000 hosts.
public enum TrafficLog {
    /// The log, in the folder of `certificateLog`.
    public static func file(certificateLog: String) -> String {
        let folder = certificateLog.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return "\(folder)/posternproxy-traffic.log"
    }

    /// The logger every request of a server goes to.
    public static let logger = "posternproxy_traffic"
    /// How Caddy writes a logger's name in a line: under its access loggers' namespace.
    public static let lineLogger = "http.log.access." + logger

    /// The `logging.logs` entry of the traffic log.
    static func log(certificateLog: String) -> (String, JSON) {
        let writer: JSON = [
            "output": "file", "filename": .string(file(certificateLog: certificateLog)), "mode": "0640", "roll_size_mb": 10,
            "roll_keep": 1,
        ]
        let deleted: JSON = ["filter": "delete"]
        let encoder: JSON = [
            "format": "filter",
            "wrap": ["format": "json", "message_key": "", "level_key": "", "time_key": ""],
            "fields": .object(
                ["remote_ip", "remote_port", "client_ip", "proto", "method", "uri", "headers", "tls"].map { ("request>\($0)", deleted) }
                    + [("user_id", deleted), ("resp_headers", deleted)]),
        ]
        return (logger, ["writer": writer, "encoder": encoder, "include": .strings([lineLogger])])
    }
}
