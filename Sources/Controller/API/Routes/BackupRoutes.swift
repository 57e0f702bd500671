import Foundation
import Hummingbird
import NIOCore
import JSONCore

/// `GET /api/backup` (a tar archive) and `POST /api/restore` (admin); `?dry_run=true` checks the
/// archive as a restore would and says what it holds (resources by type, users, remote servers,
/// its date) without replacing anything.
struct BackupRoutes: Sendable {
    let backup: Backup
    let onChange: @Sendable () -> Void
    /// Restores may be large: the archive carries the whole database.
    static let maxArchiveSize = 512 << 20

    func register(on api: RouterGroup<AppContext>) {
        api.get("backup") { _, context in
            let identity = try context.requireAdmin()
            let archive = try await backup.create(by: AuditLog.Actor(identity, clientIP: context.clientIP))
            let name = "posternproxy-backup-\(Date().formatted(.iso8601).replacingOccurrences(of: ":", with: "")).tar"
            return Response(
                status: .ok, headers: [.contentType: "application/octet-stream", .contentDisposition: "attachment; filename=\"\(name)\""],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: archive)))
        }
        api.post("restore") { request, context in
            let identity = try context.requireAdmin()
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: Self.maxArchiveSize)
            } catch {
                throw APIError(.contentTooLarge, code: "too_large", message: "the archive is larger than \(Self.maxArchiveSize) bytes")
            }
            let archive = Data(body.readableBytesView)
            if try QueryParameters(request: request).bool("dry_run") == true {
                let preview = try await backup.preview(archive)
                return JSONBody.response(
                    .with([
                        "restored": false, "created_on": preview.createdOn, "users": preview.users, "remote_servers": preview.remoteServers,
                        "resources": JSON.object(preview.resources.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) }),
                    ]))
            }
            let restored = try await backup.restore(archive, actor: AuditLog.Actor(identity, clientIP: context.clientIP))
            onChange()
            return JSONBody.response(
                .with([
                    "restored": true, "resources": restored.resources, "users": restored.users,
                    "note": "every session has ended: log in again",
                ]))
        }
    }
}
