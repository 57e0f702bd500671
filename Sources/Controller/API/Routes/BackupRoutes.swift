import Foundation
import Hummingbird
import NIOCore
import JSONCore

/// `GET /api/backup` (a tar archive) and `POST /api/restore` (admin).
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
            let restored = try await backup.restore(Data(body.readableBytesView), actor: AuditLog.Actor(identity, clientIP: context.clientIP))
            onChange()
            return JSONBody.response(
                .with([
                    "restored": true, "resources": restored.resources, "users": restored.users,
                    "note": "every session has ended: log in again",
                ]))
        }
    }
}
