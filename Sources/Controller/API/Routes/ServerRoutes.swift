import Foundation
import Hummingbird
import JSONCore

/// `/api/servers`: the local server (always present, never deleted) and remote servers.
/// Deleting a server leaves the remote host untouched, moves its resources to the local server
/// or deletes them (`?resources=move|delete`; `GET …/deletion` shows first what each would
/// mean) and answers with the commands that uninstall the agent by hand.
struct ServerRoutes: Sendable {
    let servers: ServerService
    let onChange: @Sendable () -> Void

    struct ServerInput: Decodable {
        var name: String?
        var hostname: String?
        var ssh_port: Int?
        var ssh_user: String?

        var changes: ServerService.Changes { .init(name: name, hostname: hostname, sshPort: ssh_port, sshUser: ssh_user) }
    }

    /// For a server the controller never provisioned: the agent installed as a systemd service.
    static let uninstallCommands = [
        "systemctl disable --now posternproxy-agent",
        "rm -f /etc/systemd/system/posternproxy-agent.service /usr/local/bin/posternproxy-agent",
        "rm -rf /etc/posternproxy-agent /usr/local/lib/posternproxy-agent",
        "systemctl daemon-reload",
    ]

    func register(on api: RouterGroup<AppContext>) {
        api.get("servers") { request, context in
            _ = try context.requireIdentity()
            let query = QueryParameters(request: request)
            // Without `limit`, every server (the server pickers read them so); with it, a page.
            let (page, pageLimit) = try query.paging(defaultLimit: 100)
            let limit = request.uri.queryParameters["limit"] == nil ? nil : pageLimit
            let list = try await servers.list(
                query: try query.string("q"), status: try query.choice("status", of: Server.Status.self), page: page, limit: limit)
            let items = list.items.map(\.json)
            guard let limit else { return JSONBody.response(.with(["items": items, "total": list.total])) }
            return JSONBody.response(.with(["items": items, "total": list.total, "page": page, "limit": limit]))
        }
        api.get("servers/names") { _, context in
            _ = try context.requireIdentity()
            let names = try await servers.names()
            let items = names.map { JSON.with(["id": $0.id, "name": $0.name, "is_local": $0.isLocal]) }
            return JSONBody.response(.with(["items": items, "total": names.count]))
        }
        api.get("servers/summary") { _, context in
            _ = try context.requireIdentity()
            return JSONBody.response(ServerSummaryView.json(try await servers.summary()))
        }
        api.get("servers/:id") { _, context in
            _ = try context.requireIdentity()
            return JSONBody.response(try await servers.get(try context.pathID()).json)
        }
        api.post("servers") { request, context in
            let actor = AuditLog.Actor(try context.requireAdmin(), clientIP: context.clientIP)
            let input = try await JSONBody.decode(ServerInput.self, request, context: context)
            return JSONBody.response(try await servers.create(input.changes, by: actor).json, status: .created)
        }
        api.put("servers/:id") { request, context in
            let actor = AuditLog.Actor(try context.requireAdmin(), clientIP: context.clientIP)
            let id = try context.pathID()
            let input = try await JSONBody.decode(ServerInput.self, request, context: context)
            return JSONBody.response(try await servers.update(id, input.changes, by: actor).json)
        }
        api.get("servers/:id/deletion") { _, context in
            _ = try context.requireAdmin()
            let items = try await servers.deletionPreview(try context.pathID()).map(\.json)
            return JSONBody.response(.with(["items": JSON.array(items), "total": items.count]))
        }
        api.delete("servers/:id") { request, context in
            let actor = AuditLog.Actor(try context.requireAdmin(), clientIP: context.clientIP)
            let disposal = try QueryParameters(request: request).choice("resources", of: ServerDeletion.Disposal.self) ?? .move
            let deletion = try await servers.delete(try context.pathID(), resources: disposal, by: actor)
            onChange()
            return JSONBody.response(
                .with([
                    "deleted": true, "resources_moved_to_server_id": disposal == .move ? JSON.int(Int(deletion.localServerID)) : JSON.null,
                    "disabled_resource_ids": deletion.disabledResourceIDs, "deleted_resource_ids": deletion.deletedResourceIDs,
                    "uninstall_commands": deletion.uninstallCommands ?? Self.uninstallCommands,
                    "uninstall_commands_source": deletion.uninstallCommands == nil ? "default" : "provisioning",
                ]))
        }
        api.post("servers/:id/token") { _, context in
            let actor = AuditLog.Actor(try context.requireAdmin(), clientIP: context.clientIP)
            let id = try context.pathID()
            let token = try await servers.issueAgentToken(id, by: actor)
            // The agent hub closes any session still holding the replaced token.
            onChange()
            return JSONBody.response(.with(["server_id": id, "token": token]), status: .created)
        }
        api.delete("servers/:id/host-key") { _, context -> Response in
            let actor = AuditLog.Actor(try context.requireAdmin(), clientIP: context.clientIP)
            try await servers.forgetHostKey(try context.pathID(), by: actor)
            return Response(status: .noContent)
        }
    }
}
