import Foundation

/// A server as the API shows it: the stored row without its secrets (token hash, kept
/// credentials), with its count of active routes.
struct ServerView: Sendable, Equatable {
    var server: Server
    var activeRoutes: Int

    var json: [String: Any] {
        [
            "id": server.id ?? 0, "name": server.name, "hostname": server.hostname, "ssh_port": server.sshPort, "ssh_user": server.sshUser,
            "is_local": server.isLocal, "status": server.status.rawValue, "desired_revision": server.desiredRevision,
            "applied_revision": server.appliedRevision, "caddy_version": server.caddyVersion ?? NSNull(),
            "last_seen": server.lastSeen.map { $0.formatted(.iso8601) } ?? NSNull(), "last_error": server.lastError ?? NSNull(),
            "active_routes": activeRoutes, "agent_version": server.agentVersion ?? NSNull(), "applied_hash": server.appliedHash ?? NSNull(),
            "ssh_host_key": server.sshHostKey ?? NSNull(),
            "upstream_health": server.upstreamHealth.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } ?? NSNull(),
        ]
    }
}
