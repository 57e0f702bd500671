import Foundation
import JSONCore

/// Every read and write of `servers`. Functions take the open connection, so a service composes
/// them with other repositories' in one transaction (`store.database.write { db in … }`).
enum ServerRepository {
    // MARK: - Reading

    /// Every server, the local one first.
    static func all(_ db: any SQLConnection) throws -> [Server] {
        try db.rows("SELECT * FROM servers ORDER BY is_local DESC, id").map(Server.init)
    }

    static func find(_ db: any SQLConnection, id: Int64) throws -> Server? {
        try db.row("SELECT * FROM servers WHERE id = ?", [id]).map(Server.init)
    }

    /// The server `id` when it is a remote one.
    static func findRemote(_ db: any SQLConnection, id: Int64) throws -> Server? {
        try db.row("SELECT * FROM servers WHERE id = ? AND is_local = 0", [id]).map(Server.init)
    }

    static func exists(_ db: any SQLConnection, id: Int64) throws -> Bool {
        try db.exists("SELECT 1 FROM servers WHERE id = ?", [id])
    }

    /// The local server's id (the first migration creates it; it is never deleted).
    static func localID(_ db: any SQLConnection) throws -> Int64 {
        guard let id = try db.value(Int64.self, "SELECT id FROM servers WHERE is_local = 1") else {
            throw StoreError.damaged("the database has no local server")
        }
        return id
    }

    /// The name of each of `serverIDs`, and whether it has reported its certificates.
    static func namesAndCertificateReporting(_ db: any SQLConnection, ids: [Int64]) throws -> [Int64: (name: String, reports: Bool)] {
        guard !ids.isEmpty else { return [:] }
        let rows = try db.rows(
            "SELECT id, name, reports_certificates FROM servers WHERE id IN (\(SQLPlaceholders.list(ids.count)))", ids.map { $0 })
        var found: [Int64: (name: String, reports: Bool)] = [:]
        for row in rows { found[row["id"]] = (name: row["name"], reports: row["reports_certificates"]) }
        return found
    }

    /// The local server's status, and the remote servers that were given an agent token (whose
    /// agent should be connected).
    static func healthFacts(_ db: any SQLConnection) throws -> (localStatus: String?, remotes: [Int64]) {
        let local = try db.value(String.self, "SELECT status FROM servers WHERE is_local = 1")
        let remotes = try db.values(Int64.self, "SELECT id FROM servers WHERE is_local = 0 AND agent_token_hash IS NOT NULL")
        return (local, remotes)
    }

    /// The server's name, or nil when it is gone.
    static func name(_ db: any SQLConnection, id: Int64) throws -> String? {
        try db.value(String.self, "SELECT name FROM servers WHERE id = ?", [id])
    }

    static func nameIsTaken(_ db: any SQLConnection, _ name: String, except id: Int64? = nil) throws -> Bool {
        try db.exists("SELECT 1 FROM servers WHERE name = ? AND id != ?", [name, id ?? -1])
    }

    /// The desired revision and agent token hash of each of `servers` that is a remote server,
    /// by server id (a deleted or local one is absent).
    static func remoteRevisions(_ db: any SQLConnection, of servers: Set<Int64>) throws -> [Int64: (revision: Int64, tokenHash: String?)] {
        var revisions: [Int64: (Int64, String?)] = [:]
        for row in try rows(db, "id, desired_revision, agent_token_hash", where: "is_local = 0", of: servers) {
            revisions[row["id"]] = (row["desired_revision"], row["agent_token_hash"])
        }
        return revisions
    }

    /// The rows of `SELECT columns FROM servers WHERE condition` that are rows of `servers`
    /// (`columns` names `id`): read by id for up to 500 servers (the few of a change, a page or
    /// the connected agents), with one scan of the table for more.
    private static func rows(_ db: any SQLConnection, _ columns: String, where condition: String, of servers: Set<Int64>) throws -> [SQLRow] {
        guard !servers.isEmpty else { return [] }
        let rows =
            servers.count <= 500
            ? try db.rows(
                "SELECT \(columns) FROM servers WHERE \(condition) AND id IN (\(SQLPlaceholders.list(servers.count)))", servers.map { $0 })
            : try db.rows("SELECT \(columns) FROM servers WHERE \(condition)")
        return rows.filter { servers.contains($0["id"]) }
    }

    static func desiredRevision(_ db: any SQLConnection, id: Int64) throws -> Int64 {
        try db.value(Int64.self, "SELECT desired_revision FROM servers WHERE id = ?", [id]) ?? 0
    }

    static func agentTokenHash(_ db: any SQLConnection, remoteID id: Int64) throws -> String? {
        try db.value(String.self, "SELECT agent_token_hash FROM servers WHERE id = ? AND is_local = 0", [id])
    }

    /// The agent token's bcrypt hash and its cheap check (nil for a token issued before checks
    /// were stored); nil when the server is not a remote one with a token.
    static func agentCredential(_ db: any SQLConnection, remoteID id: Int64) throws -> (hash: String, check: String?)? {
        guard let row = try db.rows("SELECT agent_token_hash, agent_token_check FROM servers WHERE id = ? AND is_local = 0", [id]).first
        else { return nil }
        let hash: String? = row["agent_token_hash"]
        return hash.map { ($0, row["agent_token_check"]) }
    }

    /// Stores the cheap check of the token that `hash` verifies, when the hash is still that one.
    static func setAgentTokenCheck(_ db: any SQLConnection, id: Int64, hash: String, check: String) throws {
        try db.execute("UPDATE servers SET agent_token_check = ? WHERE id = ? AND agent_token_hash = ?", [check, id, hash])
    }

    // MARK: - Servers an admin edits

    /// Inserts `server` and returns its id.
    static func insert(_ db: any SQLConnection, _ server: Server) throws -> Int64 {
        try db.execute(
            """
            INSERT INTO servers (name, hostname, ssh_port, ssh_user, is_local, status, desired_revision, applied_revision, created_on, modified_on)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                server.name, server.hostname, server.sshPort, server.sshUser, server.isLocal, server.status.rawValue, server.desiredRevision,
                server.appliedRevision, server.createdOn, server.modifiedOn,
            ])
        return db.lastInsertedID
    }

    /// Changes the fields given (nil: unchanged).
    static func update(_ db: any SQLConnection, id: Int64, name: String?, hostname: String?, sshPort: Int?, sshUser: String?) throws {
        try db.execute(
            """
            UPDATE servers SET name = COALESCE(?, name), hostname = COALESCE(?, hostname), ssh_port = COALESCE(?, ssh_port),
            ssh_user = COALESCE(?, ssh_user), modified_on = ? WHERE id = ?
            """, [name, hostname, sshPort, sshUser, Date(), id])
    }

    static func delete(_ db: any SQLConnection, id: Int64) throws {
        try db.execute("DELETE FROM servers WHERE id = ?", [id])
    }

    /// Replaces the server's agent token: its bcrypt hash and its cheap check.
    static func setAgentToken(_ db: any SQLConnection, id: Int64, _ credential: AgentCredential) throws {
        try db.execute(
            "UPDATE servers SET agent_token_hash = ?, agent_token_check = ?, modified_on = ? WHERE id = ?",
            [credential.hash, credential.check, Date(), id])
    }

    /// Pins (or, with nil, forgets) the server's SSH host key.
    /// The commands that uninstall the agent, as its provisioning described them (a JSON list).
    static func setUninstallCommands(_ db: any SQLConnection, id: Int64, _ commands: [String]) throws {
        let text = String(decoding: try JSONEncoder().encode(commands), as: UTF8.self)
        try db.execute("UPDATE servers SET uninstall_commands = ? WHERE id = ?", [text, id])
    }

    /// The uninstall commands recorded when the server was last provisioned, or nil.
    static func uninstallCommands(_ db: any SQLConnection, id: Int64) throws -> [String]? {
        guard let text = try db.value(String.self, "SELECT uninstall_commands FROM servers WHERE id = ?", [id]) else { return nil }
        return try? JSONDecoder().decode([String].self, from: Data(text.utf8))
    }

    static func setHostKey(_ db: any SQLConnection, id: Int64, _ key: String?) throws {
        try db.execute("UPDATE servers SET ssh_host_key = ? WHERE id = ?", [key, id])
    }

    /// Keeps sealed SSH credentials, or drops them (nil).
    static func setSealedCredentials(_ db: any SQLConnection, id: Int64, _ sealed: String?) throws {
        try db.execute("UPDATE servers SET ssh_credentials = ? WHERE id = ?", [sealed, id])
    }

    // MARK: - Revisions

    /// The server must serve something new: its agent (or the local applier) applies again.
    static func bumpRevision(_ db: any SQLConnection, id: Int64) throws {
        try db.execute("UPDATE servers SET desired_revision = desired_revision + 1, modified_on = ? WHERE id = ?", [Date(), id])
    }

    /// Every server must apply again (a setting they all serve changed, a restore).
    static func bumpAllRevisions(_ db: any SQLConnection) throws {
        try db.execute("UPDATE servers SET desired_revision = desired_revision + 1, modified_on = ?", [Date()])
    }

    // MARK: - What servers report

    /// An apply of `revision` failed; a failure older than what the server runs is stale news.
    /// How each step of an apply of `revision` ended; an older revision's report is not kept.
    static func recordApplySteps(_ db: any SQLConnection, id: Int64, revision: Int64, steps: [String]) throws {
        guard !steps.isEmpty else { return }
        let text = String(decoding: JSON.strings(steps).serialized(), as: UTF8.self)
        try db.execute("UPDATE servers SET apply_steps = ? WHERE id = ? AND applied_revision <= ?", [text, id, revision])
    }

    static func recordApplyFailure(_ db: any SQLConnection, id: Int64, revision: Int64, message: String) throws {
        try db.execute(
            "UPDATE servers SET status = 'error', last_error = ?, last_seen = ? WHERE id = ? AND applied_revision <= ?",
            [message, Date(), id, revision])
    }

    /// The server's data plane does not serve what was applied (`message` says why): Error,
    /// with the problem kept until ``clearDataPlaneProblem(_:id:)``.
    static func recordDataPlaneProblem(_ db: any SQLConnection, id: Int64, message: String) throws {
        try db.execute(
            "UPDATE servers SET data_plane_problem = ?, status = CASE WHEN status = 'offline' THEN status ELSE 'error' END, last_error = ? WHERE id = ?",
            [message, message, id])
    }

    /// The server's data-plane problem, if one is recorded.
    static func dataPlaneProblem(_ db: any SQLConnection, id: Int64) throws -> String? {
        try db.value(String.self, "SELECT data_plane_problem FROM servers WHERE id = ?", [id])
    }

    /// The data-plane problem is over: the server is Online again, unless another error (a
    /// failed apply) has replaced it since.
    static func clearDataPlaneProblem(_ db: any SQLConnection, id: Int64) throws {
        try db.execute(
            """
            UPDATE servers SET status = CASE WHEN status = 'error' AND last_error = data_plane_problem THEN 'online' ELSE status END,
            last_error = CASE WHEN last_error = data_plane_problem THEN NULL ELSE last_error END, data_plane_problem = NULL
            WHERE id = ? AND data_plane_problem IS NOT NULL
            """, [id])
    }

    /// `revision` (with `hash`, when known) was applied: the server is Online.
    static func recordApplied(_ db: any SQLConnection, id: Int64, revision: Int64, hash: String?) throws {
        try db.execute(
            """
            UPDATE servers SET applied_revision = MAX(applied_revision, ?),
            applied_hash = CASE WHEN ? >= applied_revision THEN COALESCE(?, applied_hash) ELSE applied_hash END,
            status = 'online', last_error = NULL, last_seen = ? WHERE id = ?
            """, [revision, revision, hash, Date(), id])
    }

    /// The local apply could not run at all.
    static func recordLocalFailure(_ db: any SQLConnection, message: String) throws {
        try db.execute("UPDATE servers SET status = 'error', last_error = ? WHERE is_local = 1", [message])
    }

    /// The Caddy modules each of `servers` reported, by server id (a server that has not reported
    /// is absent).
    static func reportedModules(_ db: any SQLConnection, of servers: Set<Int64>) throws -> [Int64: [String]] {
        var modules: [Int64: [String]] = [:]
        for row in try rows(db, "id, caddy_modules", where: "caddy_modules IS NOT NULL", of: servers) {
            modules[row["id"]] = Server.modules(stored: row["caddy_modules"])
        }
        return modules
    }

    /// The local Caddy's version and modules.
    static func recordLocalCaddy(_ db: any SQLConnection, version: String, modules: [String]) throws {
        let json = String(decoding: JSON.strings(modules).serialized(), as: UTF8.self)
        try db.execute("UPDATE servers SET caddy_version = ?, caddy_modules = ? WHERE is_local = 1", [version, json])
    }

    /// An agent said hello: it is Online, with its versions and modules, unless in Error or with a
    /// data-plane problem recorded (then in Error: the problem stands until a report says it is
    /// over, as one that reports the same problem again does not rewrite it). An agent ahead of
    /// the database (one restored from an older backup) must not be sent back: the desired
    /// revision moves past what it runs.
    static func recordHello(
        _ db: any SQLConnection, id: Int64, agentVersion: String, caddyVersion: String?, caddyModules: [String], appliedRevision: Int64
    ) throws {
        let modules = caddyVersion == nil ? nil : String(decoding: JSON.strings(caddyModules).serialized(), as: UTF8.self)
        try db.execute(
            """
            UPDATE servers SET status = CASE WHEN status = 'error' OR data_plane_problem IS NOT NULL THEN 'error' ELSE 'online' END,
            agent_version = ?,
            caddy_version = ?, caddy_modules = ?, last_seen = ? WHERE id = ?
            """, [agentVersion, caddyVersion, modules, Date(), id])
        // An agent ahead of the database (restored from an older backup) is not sent back: the
        // desired revision moves past what it runs. One at the desired revision is left as it is.
        try db.execute(
            "UPDATE servers SET desired_revision = ? WHERE id = ? AND desired_revision < ?", [appliedRevision + 1, id, appliedRevision])
    }

    /// The agent's latest health report (JSON text).
    static func recordHealth(_ db: any SQLConnection, id: Int64, json: String) throws {
        try db.execute("UPDATE servers SET upstream_health = ?, last_seen = ? WHERE id = ?", [json, Date(), id])
    }

    /// These servers' agents were heard from: their `last_seen` moves. The status is not
    /// touched: hello makes a server Online and the end of its connection Offline, and a
    /// heartbeat written after that end must not bring a gone agent's server back.
    static func recordHeard(_ db: any SQLConnection, ids: [Int64]) throws {
        let now = Date()
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk: SQLArguments = ids[start..<min(start + 500, ids.count)].map { $0 }
            try db.execute("UPDATE servers SET last_seen = ? WHERE id IN (\(SQLPlaceholders.list(chunk.count)))", [now] + chunk)
        }
    }

    /// The agent's connection ended: an Online (or Error) server is Offline.
    static func markOffline(_ db: any SQLConnection, id: Int64) throws {
        try db.execute("UPDATE servers SET status = 'offline' WHERE id = ? AND status IN ('online', 'error')", [id])
    }

    /// At start no agent is connected: every Online (or Error) remote server is Offline.
    static func markRemotesOffline(_ db: any SQLConnection) throws {
        try db.execute("UPDATE servers SET status = 'offline' WHERE is_local = 0 AND status IN ('online', 'error')")
    }

    // MARK: - Provisioning

    static func markProvisioning(_ db: any SQLConnection, id: Int64) throws {
        try db.execute("UPDATE servers SET status = 'provisioning', last_error = NULL WHERE id = ?", [id])
    }

    static func markFailed(_ db: any SQLConnection, id: Int64, message: String) throws {
        try db.execute("UPDATE servers SET status = 'error', last_error = ? WHERE id = ?", [message, id])
    }

    /// Provisioning finished and the agent is connected already.
    static func markProvisioned(_ db: any SQLConnection, id: Int64) throws {
        try db.execute("UPDATE servers SET status = 'online' WHERE id = ? AND status = 'provisioning'", [id])
    }
}
