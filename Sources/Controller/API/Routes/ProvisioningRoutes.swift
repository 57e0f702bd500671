import Foundation
import Hummingbird
import NIOCore
import JSONCore

/// Provisioning over SSH, admin only: `POST /api/servers/{id}/provision` and
/// `/update-agent` start a run (202) with a password or a private key (kept, sealed, only when
/// `keep_credentials` is true); `GET /api/provisioning/{run}` is its log; `/events` streams the
/// log as server-sent events, from the first line, live; `POST /api/provisioning/{run}/cancel`
/// stops a run at its next safe point; `POST /api/servers/{id}/host-key/scan` reads the server's
/// host key without sending credentials, and `PUT /api/servers/{id}/host-key` confirms (pins) one
/// (``ServerRoutes`` forgets it). With the setting `confirm_host_keys` on, no run starts until a
/// key is confirmed.
struct ProvisioningRoutes: Sendable {
    let provisioner: Provisioner

    struct Input: Decodable {
        var password: String?
        var private_key: String?
        var passphrase: String?
        var keep_credentials: Bool?
    }

    func register(on api: RouterGroup<AppContext>) {
        for (path, kind) in [("servers/:id/provision", Provisioner.Kind.provision), ("servers/:id/update-agent", .updateAgent)] {
            api.post(RouterPath(stringLiteral: path)) { request, context in
                let identity = try context.requireAdmin()
                let id = try context.pathID()
                let input = try await JSONBody.decode(Input.self, request, context: context)
                let credentials = try Provisioner.Credentials.given(
                    password: input.password, privateKey: input.private_key, passphrase: input.passphrase)
                let run = try await provisioner.start(
                    serverID: id, kind: kind, credentials: credentials, keep: input.keep_credentials ?? false,
                    by: AuditLog.Actor(identity, clientIP: context.clientIP))
                return JSONBody.response(
                    .with(["run_id": run.id, "server_id": id, "events": "/api/provisioning/\(run.id)/events"]), status: .accepted)
            }
        }
        api.get("servers/:id/provisioning") { _, context in
            _ = try context.requireAdmin()
            let id = try context.pathID()
            let items = try await provisioner.history(serverID: id).map { run -> JSON in
                .with([
                    "id": run.id, "kind": run.kind, "status": run.status, "started_on": run.startedOn,
                    "finished_on": run.finishedOn,
                ])
            }
            return JSONBody.response(.with(["items": items, "total": items.count]))
        }
        api.get("provisioning/:id") { _, context in
            _ = try context.requireAdmin()
            let id = try context.pathID()
            let run = try await provisioner.log(id)
            return JSONBody.response(.with(["id": id, "server_id": run.serverID, "status": run.status, "lines": run.lines]))
        }
        api.get("provisioning/:id/events") { _, context -> Response in
            _ = try context.requireAdmin()
            let id = try context.pathID()
            let stream: AsyncStream<String>
            if let run = await provisioner.run(id) {
                stream = run.watch()
            } else {
                let lines = try await provisioner.log(id).lines
                stream = AsyncStream { continuation in
                    for line in lines { continuation.yield(line) }
                    continuation.finish()
                }
            }
            let body = ResponseBody { writer in
                for await line in stream {
                    // One event per line; a line never holds a newline, so `data:` needs no splitting.
                    try await writer.write(ByteBuffer(string: "data: \(line.replacingOccurrences(of: "\r", with: ""))\n\n"))
                }
                try await writer.write(ByteBuffer(string: "event: end\ndata: finished\n\n"))
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
        }
        api.post("provisioning/:id/cancel") { _, context -> Response in
            let identity = try context.requireAdmin()
            let id = try context.pathID()
            try await provisioner.cancel(id, by: AuditLog.Actor(identity, clientIP: context.clientIP))
            return Response(status: .accepted)
        }
        api.post("servers/:id/host-key/scan") { _, context in
            let identity = try context.requireAdmin()
            let id = try context.pathID()
            let key = try await provisioner.scanHostKey(serverID: id, by: AuditLog.Actor(identity, clientIP: context.clientIP))
            return JSONBody.response(.with(["server_id": id, "host_key": key]))
        }
        api.put("servers/:id/host-key") { request, context in
            let identity = try context.requireAdmin()
            let id = try context.pathID()
            struct Confirmation: Decodable { var host_key: String }
            let input = try await JSONBody.decode(Confirmation.self, request, context: context)
            try await provisioner.confirmHostKey(serverID: id, key: input.host_key, actor: AuditLog.Actor(identity, clientIP: context.clientIP))
            return JSONBody.response(.with(["server_id": id, "host_key": input.host_key]))
        }
    }
}
