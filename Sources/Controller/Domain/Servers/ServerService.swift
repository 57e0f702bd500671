import Foundation
import Host
import JSONCore

/// Servers as an admin manages them: the local server (always present, never deleted, no SSH
/// settings) and remote servers. Every change is audited in the same transaction.
struct ServerService: Sendable {
    let store: Store
    /// A remote server is another machine: its host may not lead back to this one or to cloud metadata.
    let addresses: AddressPolicy

    /// What an admin sets; nil leaves a field as it is (or, at creation, takes its default).
    struct Changes: Sendable {
        var name: String?
        var hostname: String?
        var sshPort: Int?
        var sshUser: String?
    }

    /// What became of a deleted server's resources: moved to the local server (those it already
    /// served a domain or port of moved disabled), or deleted.
    struct Deletion: Sendable, Equatable {
        var localServerID: Int64
        var disabledResourceIDs: [Int64]
        var deletedResourceIDs: [Int64]
        /// How its provisioning said to remove the agent; nil when it was never provisioned here.
        var uninstallCommands: [String]?
    }

    /// Every server, or one page of those matching `query` (name or hostname) and `status`.
    func list(query: String? = nil, status: Server.Status? = nil, page: Int = 1, limit: Int? = nil) async throws -> (
        items: [ServerView], total: Int
    ) {
        try await store.database.read { db in
            let (servers, total) = try ServerListing.page(db, query: query, status: status, page: limit == nil ? 1 : page, limit: limit ?? Int.max)
            return (try Self.views(db, servers), total)
        }
    }

    /// Every server's id and name, for the server pickers.
    func names() async throws -> [(id: Int64, name: String, isLocal: Bool)] {
        try await store.database.read { db in try ServerListing.names(db) }
    }

    /// How the servers stand, for the dashboard: counts, the first `limit` servers (those
    /// needing attention first) and the first `limit` upstreams (failing ones first).
    func summary(limit: Int = 50) async throws -> (summary: ServerListing.Summary, servers: [ServerView], upstreams: [ServerListing.Upstream]) {
        try await store.database.read { db in
            (
                try ServerListing.summary(db), try Self.views(db, try ServerListing.needingAttentionFirst(db, limit: limit)),
                try ServerListing.upstreams(db, limit: limit)
            )
        }
    }

    /// `servers` with their active route counts.
    private static func views(_ db: any SQLConnection, _ servers: [Server]) throws -> [ServerView] {
        let counts = try ResourceRepository.activeRouteCounts(db)
        return servers.map { ServerView(server: $0, activeRoutes: counts[$0.id!] ?? 0) }
    }

    func get(_ id: Int64) async throws -> ServerView {
        try await store.database.read { db in try Self.view(db, id: id) }
    }

    func create(_ changes: Changes, by actor: AuditLog.Actor) async throws -> ServerView {
        guard let name = changes.name else { throw DomainError.invalid(ValidationFailure("name", "is required")) }
        guard let hostname = changes.hostname else { throw DomainError.invalid(ValidationFailure("hostname", "is required")) }
        let server = try validated(Changes(name: name, hostname: hostname, sshPort: changes.sshPort ?? 22, sshUser: changes.sshUser ?? "root"))
        return try await store.database.write { db in
            guard try !ServerRepository.nameIsTaken(db, server.name!) else {
                throw DomainError.conflict(field: "name", "a server with this name exists")
            }
            let id = try ServerRepository.insert(
                db, .remote(name: server.name!, hostname: server.hostname!, sshPort: server.sshPort!, sshUser: server.sshUser!))
            try AuditLog.record(
                db, actor, action: "create", resourceType: "server", resourceID: id, details: ["name": server.name!, "hostname": server.hostname!],
                serverID: id)
            return try Self.view(db, id: id)
        }
    }

    func update(_ id: Int64, _ changes: Changes, by actor: AuditLog.Actor) async throws -> ServerView {
        let valid = try validated(changes)
        return try await store.database.write { db in
            guard let server = try ServerRepository.find(db, id: id) else { throw DomainError.notFound("server") }
            if server.isLocal, valid.hostname != nil || valid.sshPort != nil || valid.sshUser != nil {
                throw DomainError.conflict(field: "hostname", "the local server has no SSH settings")
            }
            if let name = valid.name, try ServerRepository.nameIsTaken(db, name, except: id) {
                throw DomainError.conflict(field: "name", "a server with this name exists")
            }
            try ServerRepository.update(db, id: id, name: valid.name, hostname: valid.hostname, sshPort: valid.sshPort, sshUser: valid.sshUser)
            // The fields that changed (a form sends every field).
            var changed: [String] = []
            if let hostname = valid.hostname, hostname != server.hostname { changed.append("hostname") }
            if let name = valid.name, name != server.name { changed.append("name") }
            if let port = valid.sshPort, port != server.sshPort { changed.append("ssh_port") }
            if let user = valid.sshUser, user != server.sshUser { changed.append("ssh_user") }
            try AuditLog.record(
                db, actor, action: "update", resourceType: "server", resourceID: id, details: ["fields": .strings(changed)], serverID: id)
            return try Self.view(db, id: id)
        }
    }

    /// What deleting remote server `id` would do to each of its resources.
    func deletionPreview(_ id: Int64) async throws -> [ServerDeletion.Resource] {
        let (rows, conflicting) = try await store.database.read { db in
            guard let server = try ServerRepository.find(db, id: id) else { throw DomainError.notFound("server") }
            guard !server.isLocal else { throw DomainError.forbidden("the local server cannot be deleted") }
            return (
                try ResourceRepository.onServer(db, serverID: id),
                try ResourceRepository.conflicting(db, from: id, to: try ServerRepository.localID(db))
            )
        }
        // Upstream names are resolved after the read: a slow resolver holds no database connection.
        return ServerDeletion.preview(rows, conflicting: conflicting, addresses: addresses)
    }

    /// Deletes a remote server; the remote host is left untouched. Its resources move to the
    /// local server (which applies them; one whose domain or port the local server already
    /// serves moves disabled), or are deleted with it.
    func delete(_ id: Int64, resources disposal: ServerDeletion.Disposal, by actor: AuditLog.Actor) async throws -> Deletion {
        try await store.database.write { db in
            guard let server = try ServerRepository.find(db, id: id) else { throw DomainError.notFound("server") }
            guard !server.isLocal else { throw DomainError.forbidden("the local server cannot be deleted") }
            let local = try ServerRepository.localID(db)
            var details: [String: JSON] = ["name": .string(server.name), "resources": .string(disposal.rawValue)]
            var deletion = Deletion(
                localServerID: local, disabledResourceIDs: [], deletedResourceIDs: [],
                uninstallCommands: try ServerRepository.uninstallCommands(db, id: id))
            switch disposal {
            case .move:
                deletion.disabledResourceIDs = try ResourceRepository.moveAll(
                    db, from: id, to: local,
                    disabledMessage: "disabled when server \(server.name) was deleted: the local server already uses its domain or port")
                details["disabled_resources"] = .array(deletion.disabledResourceIDs.map { .int(Int($0)) })
            case .delete:
                deletion.deletedResourceIDs = try ResourceRepository.deleteAll(db, serverID: id)
                details["deleted_resources"] = .array(deletion.deletedResourceIDs.map { .int(Int($0)) })
            }
            try ServerRepository.delete(db, id: id)
            try ServerRepository.bumpRevision(db, id: local)
            try AuditLog.record(
                db, actor, action: "delete", resourceType: "server", resourceID: id, details: .object(details.map { ($0.key, $0.value) }))
            return deletion
        }
    }

    /// Issues a new agent token for a remote server (shown once); the old one stops working.
    func issueAgentToken(_ id: Int64, by actor: AuditLog.Actor) async throws -> String {
        let (token, credential) = try await AgentCredential.issue(serverID: id)
        try await store.database.write { db in
            guard let server = try ServerRepository.find(db, id: id) else { throw DomainError.notFound("server") }
            guard !server.isLocal else { throw DomainError.conflict(field: nil, "the local server is driven by the controller and has no agent") }
            try ServerRepository.setAgentToken(db, id: id, credential)
            try AuditLog.record(db, actor, action: "issue_token", resourceType: "server", resourceID: id, serverID: id)
        }
        return token
    }

    /// Forgets a remote server's pinned SSH host key (the next provisioning pins a new one).
    func forgetHostKey(_ id: Int64, by actor: AuditLog.Actor) async throws {
        try await store.database.write { db in
            guard try ServerRepository.findRemote(db, id: id) != nil else { throw DomainError.notFound("server") }
            try ServerRepository.setHostKey(db, id: id, nil)
            try AuditLog.record(db, actor, action: "forget_host_key", resourceType: "server", resourceID: id, serverID: id)
        }
    }

    // MARK: - Rules

    /// `changes` with every given field checked and in canonical form.
    private func validated(_ changes: Changes) throws -> Changes {
        do {
            return Changes(
                name: try changes.name.map { try FieldRules.text($0, field: "name", maxLength: 100) },
                hostname: try changes.hostname.map { try serverHost($0) },
                sshPort: try changes.sshPort.map { try FieldRules.port($0, field: "ssh_port") },
                sshUser: try changes.sshUser.map { try Self.validSSHUser($0) })
        } catch let failure as ValidationFailure {
            throw DomainError.invalid(failure)
        }
    }

    /// A remote server's host name or address, as provisioning will dial it.
    private func serverHost(_ value: String) throws(ValidationFailure) -> String {
        let host = try FieldRules.host(value, field: "hostname")
        try addresses.check(host: host, port: nil, field: "hostname")
        return host
    }

    /// A POSIX user name: lower-case letters, digits, '_' and '-', starting with a letter or '_'.
    static func validSSHUser(_ value: String) throws(ValidationFailure) -> String {
        let bytes = Array(value.utf8)
        guard (1...32).contains(bytes.count), let first = bytes.first, (first >= 0x61 && first <= 0x7A) || first == 0x5F,
            bytes.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F || $0 == 0x2D })
        else { throw ValidationFailure("ssh_user", "must be a POSIX user name (lower-case letters, digits, '_', '-')") }
        return value
    }

    private static func view(_ db: any SQLConnection, id: Int64) throws -> ServerView {
        guard let server = try ServerRepository.find(db, id: id) else { throw DomainError.notFound("server") }
        return ServerView(server: server, activeRoutes: try ResourceRepository.activeRouteCounts(db, serverID: id)[id] ?? 0)
    }
}
