import Foundation
import JSONCore

/// One row of `servers`: the local server (exactly one, `is_local`) or a remote one driven by its
/// agent. Written only by ``ServerRepository``.
struct Server: Sendable, Equatable {

    /// Online, Offline, Provisioning or Error.
    enum Status: String, Sendable, CaseIterable {
        case online, offline, provisioning, error
    }

    var id: Int64?
    var name: String
    var hostname: String
    var sshPort: Int
    var sshUser: String
    var isLocal: Bool
    var status: Status
    /// Moves on every change of what the server must serve; the agent applies up to it.
    var desiredRevision: Int64
    var appliedRevision: Int64
    /// The hash of the desired state the server last applied.
    var appliedHash: String?
    var caddyVersion: String?
    /// The Caddy modules the server reported, as a JSON array of names.
    var caddyModules: String?
    var agentVersion: String?
    var lastSeen: Date?
    var lastError: String?
    /// How each step of the last apply ended: a JSON list of lines.
    var applySteps: String?
    /// bcrypt hash of the agent's token; nil until one is issued.
    var agentTokenHash: String?
    /// What the agent last reported: `{"caddy_running", "upstreams": [{address, requests, fails}]}`.
    var upstreamHealth: String?
    /// The pinned SSH host key (`SHA256:…`), confirmed by an admin or pinned at the first provisioning.
    var sshHostKey: String?
    /// SSH credentials an admin asked to keep, sealed by the credential vault.
    var sshCredentials: String?
    var createdOn: Date
    var modifiedOn: Date

    init(
        id: Int64?, name: String, hostname: String, sshPort: Int, sshUser: String, isLocal: Bool, status: Status, desiredRevision: Int64,
        appliedRevision: Int64, createdOn: Date, modifiedOn: Date
    ) {
        (self.id, self.name, self.hostname, self.sshPort, self.sshUser, self.isLocal) = (id, name, hostname, sshPort, sshUser, isLocal)
        (self.status, self.desiredRevision, self.appliedRevision) = (status, desiredRevision, appliedRevision)
        (self.createdOn, self.modifiedOn) = (createdOn, modifiedOn)
    }

    init(row: SQLRow) {
        id = row["id"]
        name = row["name"]
        hostname = row["hostname"]
        sshPort = row["ssh_port"]
        sshUser = row["ssh_user"]
        isLocal = row["is_local"]
        status = Status(rawValue: row["status"]) ?? .error
        desiredRevision = row["desired_revision"]
        appliedRevision = row["applied_revision"]
        appliedHash = row["applied_hash"]
        caddyVersion = row["caddy_version"]
        caddyModules = row["caddy_modules"]
        agentVersion = row["agent_version"]
        lastSeen = row["last_seen"]
        lastError = row["last_error"]
        applySteps = row["apply_steps"]
        agentTokenHash = row["agent_token_hash"]
        upstreamHealth = row["upstream_health"]
        sshHostKey = row["ssh_host_key"]
        sshCredentials = row["ssh_credentials"]
        createdOn = row["created_on"]
        modifiedOn = row["modified_on"]
    }

    /// A new remote server, Offline until its agent connects.
    static func remote(name: String, hostname: String, sshPort: Int, sshUser: String, now: Date = Date()) -> Server {
        Server(
            id: nil, name: name, hostname: hostname, sshPort: sshPort, sshUser: sshUser, isLocal: false, status: .offline, desiredRevision: 1,
            appliedRevision: 0, createdOn: now, modifiedOn: now)
    }

    /// The Caddy modules the server reported; nil until it has.
    var reportedModules: [String]? { caddyModules.flatMap(Self.modules(stored:)) }

    /// The module list as the `caddy_modules` column stores it (a JSON array of names).
    static func modules(stored text: String) -> [String]? {
        (try? JSONParser.parse(Array(text.utf8)))?.arrayValue?.compactMap(\.stringValue)
    }
}
