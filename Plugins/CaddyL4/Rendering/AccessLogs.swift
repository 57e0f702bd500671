import JSONCore

/// The access logs of the proxy hosts that turn theirs on: Caddy writes each host's requests as
/// JSON lines to a file of its own, beside the certificate log (so in a folder Caddy writes and
/// the agent reads, as a member of Caddy's group), `posternproxy-access-<id>.log`, rolled at
/// 5 MB with one rolled file kept. The file name holds only the host's id, never user text.
/// Caddy redacts the `Authorization`, `Proxy-Authorization`, `Cookie` and `Set-Cookie` values
/// it logs, and the reader redacts them again. Each of the host's names names this logger beside
/// the traffic log's (``TrafficLog/serverLogs(_:)``).
public enum AccessLogs {
    /// The log of host `id`, in the folder of `certificateLog`.
    public static func file(hostID id: Int, certificateLog: String) -> String {
        let folder = certificateLog.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return "\(folder)/posternproxy-access-\(id).log"
    }

    static func loggerName(hostID id: Int) -> String { "posternproxy_access_\(id)" }

    /// The `logging.logs` entries of the hosts' files.
    static func logs(_ hosts: [ProxyHost], certificateLog: String) -> [(String, JSON)] {
        hosts.map { host in
            let writer: JSON = [
                "output": "file", "filename": .string(file(hostID: host.id, certificateLog: certificateLog)), "mode": "0640",
                "roll_size_mb": 5, "roll_keep": 1,
            ]
            return (
                loggerName(hostID: host.id),
                ["writer": writer, "encoder": ["format": "json"], "include": .strings(["http.log.access.\(loggerName(hostID: host.id))"])]
            )
        }
    }
}
