import Foundation
import GRDB

/// A server row with its count of active routes.
struct ServerRecord: Sendable {
    var id: Int64, name: String, hostname: String, sshPort: Int, sshUser: String, isLocal: Bool, status: String
    var desiredRevision: Int64, appliedRevision: Int64, caddyVersion: String?, lastSeen: Date?, lastError: String?
    var activeRoutes: Int
    var agentVersion: String?, appliedHash: String?
    /// What the agent last reported: `{"caddy_running", "upstreams": [{address, requests, fails}]}`.
    var upstreamHealth: String?
    /// The pinned SSH host key (`SHA256:…`), confirmed by an admin or pinned at the first provisioning.
    var sshHostKey: String?

    static func fetchAll(_ db: Database) throws -> [ServerRecord] {
        let counts = try Dictionary(
            uniqueKeysWithValues: Row.fetchAll(
                db,
                sql: """
                    SELECT server_id, COUNT(*) AS n FROM resources WHERE enabled = 1 AND type IN ('proxy_host', 'redirection_host', 'stream_host', 'dead_host', 'port_forward')
                    GROUP BY server_id
                    """
            ).map { ($0["server_id"] as Int64, $0["n"] as Int) })
        return try Row.fetchAll(db, sql: "SELECT * FROM servers ORDER BY is_local DESC, id").map { row in
            ServerRecord(
                id: row["id"], name: row["name"], hostname: row["hostname"], sshPort: row["ssh_port"], sshUser: row["ssh_user"],
                isLocal: row["is_local"], status: row["status"], desiredRevision: row["desired_revision"],
                appliedRevision: row["applied_revision"], caddyVersion: row["caddy_version"], lastSeen: row["last_seen"],
                lastError: row["last_error"], activeRoutes: counts[row["id"]] ?? 0,
                agentVersion: row["agent_version"], appliedHash: row["applied_hash"], upstreamHealth: row["upstream_health"],
                sshHostKey: row["ssh_host_key"])
        }
    }

    var json: [String: Any] {
        return [
            "id": id, "name": name, "hostname": hostname, "ssh_port": sshPort, "ssh_user": sshUser, "is_local": isLocal, "status": status,
            "desired_revision": desiredRevision, "applied_revision": appliedRevision, "caddy_version": caddyVersion ?? NSNull(),
            "last_seen": lastSeen.map { $0.formatted(.iso8601) } ?? NSNull(), "last_error": lastError ?? NSNull(), "active_routes": activeRoutes,
            "agent_version": agentVersion ?? NSNull(), "applied_hash": appliedHash ?? NSNull(), "ssh_host_key": sshHostKey ?? NSNull(),
            "upstream_health": upstreamHealth.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } ?? NSNull(),
        ]
    }
}
