import Foundation
import JSONCore

/// A server as the API shows it: the stored row without its secrets (token hash, kept
/// credentials), with its count of active routes.
struct ServerView: Sendable, Equatable {
    var server: Server
    var activeRoutes: Int

    var json: JSON {
        .with([
            "id": server.id ?? 0, "name": server.name, "hostname": server.hostname, "ssh_port": server.sshPort, "ssh_user": server.sshUser,
            "is_local": server.isLocal, "status": server.status.rawValue, "desired_revision": server.desiredRevision,
            "applied_revision": server.appliedRevision, "caddy_version": server.caddyVersion, "last_seen": server.lastSeen,
            "last_error": server.lastError, "active_routes": activeRoutes, "agent_version": server.agentVersion,
            "applied_hash": server.appliedHash, "ssh_host_key": server.sshHostKey,
            "upstream_health": server.upstreamHealth.flatMap { try? JSONParser.parse(Array($0.utf8)) },
            "apply_steps": server.applySteps.flatMap { try? JSONParser.parse(Array($0.utf8)) },
        ])
    }
}
