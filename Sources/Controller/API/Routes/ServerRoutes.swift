import Foundation
import GRDB
import Host
import Hummingbird

/// `/api/servers`: the local server (always present, never deleted) and
/// remote servers. Deleting a server leaves the remote host untouched, moves its resources to the
/// local server and answers with the commands that uninstall the agent by hand.
struct ServerRoutes: Sendable {
    let store: Store
    let onChange: @Sendable () -> Void
    /// A remote server is another machine: its host may not lead back to this one or to cloud metadata.
    let addresses: AddressPolicy

    struct ServerInput: Decodable {
        var name: String?
        var hostname: String?
        var ssh_port: Int?
        var ssh_user: String?
    }

    static let fields: Set<String> = ["name", "hostname", "ssh_port", "ssh_user"]
    static let routeTypes = ["proxy_host", "redirection_host", "stream_host", "dead_host", "port_forward"]
    static let uninstallCommands = [
        "systemctl disable --now posternproxy-agent",
        "rm -f /etc/systemd/system/posternproxy-agent.service /usr/local/bin/posternproxy-agent",
        "rm -rf /etc/posternproxy-agent /usr/local/lib/posternproxy-agent",
        "systemctl daemon-reload",
    ]

    /// A remote server's host name or address, as provisioning will dial it.
    func serverHost(_ value: String) throws(ValidationFailure) -> String {
        let host = try FieldRules.host(value, field: "hostname")
        try addresses.check(host: host, port: nil, field: "hostname")
        return host
    }

    static func validSSHUser(_ value: String) throws(ValidationFailure) -> String {
        let bytes = Array(value.utf8)
        guard (1...32).contains(bytes.count), let first = bytes.first, (first >= 0x61 && first <= 0x7A) || first == 0x5F,
            bytes.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F || $0 == 0x2D })
        else { throw ValidationFailure("ssh_user", "must be a POSIX user name (lower-case letters, digits, '_', '-')") }
        return value
    }

    func register(on api: RouterGroup<AppContext>) {
        api.get("servers") { _, context in
            _ = try context.requireIdentity()
            let servers = try await store.database.read { db in try ServerRecord.fetchAll(db) }
            return JSONBody.response(["items": servers.map(\.json), "total": servers.count])
        }
        api.get("servers/:id") { _, context in
            _ = try context.requireIdentity()
            let id = try context.pathID()
            guard let server = try await store.database.read({ db in try ServerRecord.fetchAll(db).first { $0.id == id } }) else {
                throw APIError.notFound("server")
            }
            return JSONBody.response(server.json)
        }
        api.post("servers") { request, context in
            let identity = try context.requireAdmin()
            let input = try JSONBody.decode(ServerInput.self, from: try await JSONBody.object(request, context: context), allowed: Self.fields)
            guard let rawName = input.name else { throw APIError.invalid(field: "name", "is required") }
            guard let rawHost = input.hostname else { throw APIError.invalid(field: "hostname", "is required") }
            let name: String, hostname: String, port: Int, user: String
            do {
                name = try FieldRules.text(rawName, field: "name", maxLength: 100)
                hostname = try serverHost(rawHost)
                port = try FieldRules.port(input.ssh_port ?? 22, field: "ssh_port")
                user = try Self.validSSHUser(input.ssh_user ?? "root")
            } catch { throw APIError.invalid(error) }
            let server = try await store.database.write { db -> ServerRecord in
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM servers WHERE name = ?", arguments: [name]) != true else {
                    throw APIError.conflict(field: "name", "a server with this name exists")
                }
                let now = Date()
                try db.execute(
                    sql: """
                        INSERT INTO servers (name, hostname, ssh_port, ssh_user, is_local, status, created_on, modified_on) VALUES (?, ?, ?, ?, 0, 'offline', ?, ?)
                        """, arguments: [name, hostname, port, user, now, now])
                let id = db.lastInsertedRowID
                try AuditLog.record(
                    db, AuditLog.Actor(identity, clientIP: context.clientIP), action: "create", resourceType: "server", resourceID: id,
                    details: ["name": name, "hostname": hostname], serverID: id)
                return try ServerRecord.fetchAll(db).first { $0.id == id }!
            }
            return JSONBody.response(server.json, status: .created)
        }
        api.put("servers/:id") { request, context in
            let identity = try context.requireAdmin()
            let id = try context.pathID()
            let input = try JSONBody.decode(ServerInput.self, from: try await JSONBody.object(request, context: context), allowed: Self.fields)
            let name: String?, hostname: String?, port: Int?, user: String?
            do {
                name = try input.name.map { try FieldRules.text($0, field: "name", maxLength: 100) }
                hostname = try input.hostname.map { try serverHost($0) }
                port = try input.ssh_port.map { try FieldRules.port($0, field: "ssh_port") }
                user = try input.ssh_user.map { try Self.validSSHUser($0) }
            } catch { throw APIError.invalid(error) }
            let server = try await store.database.write { db -> ServerRecord in
                guard let server = try ServerRecord.fetchAll(db).first(where: { $0.id == id }) else { throw APIError.notFound("server") }
                if server.isLocal, hostname != nil || port != nil || user != nil {
                    throw APIError.conflict(field: "hostname", "the local server has no SSH settings")
                }
                if let name, try Bool.fetchOne(db, sql: "SELECT 1 FROM servers WHERE name = ? AND id != ?", arguments: [name, id]) == true {
                    throw APIError.conflict(field: "name", "a server with this name exists")
                }
                try db.execute(
                    sql: """
                        UPDATE servers SET name = COALESCE(?, name), hostname = COALESCE(?, hostname), ssh_port = COALESCE(?, ssh_port),
                        ssh_user = COALESCE(?, ssh_user), modified_on = ? WHERE id = ?
                        """, arguments: [name, hostname, port, user, Date(), id])
                try AuditLog.record(
                    db, AuditLog.Actor(identity, clientIP: context.clientIP), action: "update", resourceType: "server", resourceID: id,
                    details: ["fields": Array(Self.fields.filter { input.has($0) }).sorted()], serverID: id)
                return try ServerRecord.fetchAll(db).first { $0.id == id }!
            }
            return JSONBody.response(server.json)
        }
        api.delete("servers/:id") { _, context in
            let identity = try context.requireAdmin()
            let id = try context.pathID()
            let (local, disabled) = try await store.database.write { db -> (Int64, [Int64]) in
                guard let server = try ServerRecord.fetchAll(db).first(where: { $0.id == id }) else { throw APIError.notFound("server") }
                guard !server.isLocal else { throw APIError.forbidden("the local server cannot be deleted") }
                let local = try Int64.fetchOne(db, sql: "SELECT id FROM servers WHERE is_local = 1")!
                var disabled: [Int64] = []
                for row in try Row.fetchAll(db, sql: "SELECT id, enabled FROM resources WHERE server_id = ?", arguments: [id]) {
                    let resourceID: Int64 = row["id"]
                    let claims = try String.fetchAll(db, sql: "SELECT claim FROM resource_claims WHERE resource_id = ?", arguments: [resourceID])
                    let clash = try claims.contains { claim in
                        try Bool.fetchOne(db, sql: "SELECT 1 FROM resource_claims WHERE server_id = ? AND claim = ?", arguments: [local, claim])
                            == true
                    }
                    if clash {
                        // The local server already serves that domain or port: keep the resource, disabled.
                        try db.execute(sql: "DELETE FROM resource_claims WHERE resource_id = ?", arguments: [resourceID])
                        try db.execute(
                            sql: "UPDATE resources SET enabled = 0, apply_message = ? WHERE id = ?",
                            arguments: [
                                "disabled when server \(server.name) was deleted: the local server already uses its domain or port", resourceID,
                            ])
                        disabled.append(resourceID)
                    } else {
                        try db.execute(sql: "UPDATE resource_claims SET server_id = ? WHERE resource_id = ?", arguments: [local, resourceID])
                    }
                }
                try db.execute(
                    sql: "UPDATE resources SET server_id = ?, apply_status = 'pending', modified_on = ? WHERE server_id = ?",
                    arguments: [local, Date(), id])
                try db.execute(sql: "DELETE FROM servers WHERE id = ?", arguments: [id])
                try Revisions.bump(db, serverID: local)
                try AuditLog.record(
                    db, AuditLog.Actor(identity, clientIP: context.clientIP), action: "delete", resourceType: "server", resourceID: id,
                    details: ["name": server.name, "disabled_resources": disabled])
                return (local, disabled)
            }
            onChange()
            return JSONBody.response([
                "deleted": true, "resources_moved_to_server_id": local, "disabled_resource_ids": disabled,
                "uninstall_commands": Self.uninstallCommands,
            ])
        }
        api.post("servers/:id/token") { _, context in
            let identity = try context.requireAdmin()
            let id = try context.pathID()
            let token = Secrets.token(prefix: "\(AgentProtocol.tokenPrefix)\(id)_")
            let hash = try await Secrets.hashPassword(token)
            try await store.database.write { db in
                guard let server = try ServerRecord.fetchAll(db).first(where: { $0.id == id }) else { throw APIError.notFound("server") }
                guard !server.isLocal else { throw APIError.conflict(field: nil, "the local server is driven by the controller and has no agent") }
                try db.execute(sql: "UPDATE servers SET agent_token_hash = ?, modified_on = ? WHERE id = ?", arguments: [hash, Date(), id])
                try AuditLog.record(
                    db, AuditLog.Actor(identity, clientIP: context.clientIP), action: "issue_token", resourceType: "server", resourceID: id,
                    serverID: id)
            }
            // The agent hub closes any session still holding the replaced token.
            onChange()
            return JSONBody.response(["server_id": id, "token": token], status: .created)
        }
    }
}

extension ServerRoutes.ServerInput {
    func has(_ field: String) -> Bool {
        switch field {
        case "name": name != nil
        case "hostname": hostname != nil
        case "ssh_port": ssh_port != nil
        default: ssh_user != nil
        }
    }
}
