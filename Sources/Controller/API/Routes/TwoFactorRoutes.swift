import Hummingbird
import JSONCore
import NIOCore

/// Two-factor login (TOTP) for one's own account under `/api/users/me/two-factor`: status,
/// enrolment (password first; a QR code — as SVG, and as rows of modules for a page to draw —
/// and the key; the first right code switches it on and returns ten one-time backup codes), new
/// backup codes, and switching it off; and an admin's recovery of another user's account
/// (`DELETE /api/users/{id}/two-factor`, which also ends their sessions). API tokens are
/// unaffected by all of it. ``TwoFactorAccounts`` holds the rules.
struct TwoFactorRoutes: Sendable {
    let accounts: TwoFactorAccounts

    struct Password: Decodable { var password: String }
    struct Code: Decodable { var code: String }

    func register(on api: RouterGroup<AppContext>) {
        api.get("users/me/two-factor") { _, context in
            let (status, required) = try await accounts.status(of: try context.requireIdentity())
            return JSONBody.response(
                .with([
                    "enabled": status.enabled, "pending": status.pending, "backup_codes_left": status.backupCodesLeft, "required": required,
                ]))
        }
        api.post("users/me/two-factor") { request, context in
            let identity = try context.requireIdentity()
            let input = try await JSONBody.decode(Password.self, request, context: context)
            let enrolment = try await accounts.beginEnrolment(for: identity, password: input.password)
            return JSONBody.response(
                .with([
                    "secret": enrolment.secret, "otpauth_uri": enrolment.uri, "qr_code": "/api/users/me/two-factor/qr.svg",
                    "qr_modules": enrolment.qrCode.rows,
                ]), status: .created)
        }
        api.get("users/me/two-factor/qr.svg") { _, context in
            let code = try await accounts.pendingQRCode(for: try context.requireIdentity())
            return Response(
                status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: code.svg())))
        }
        api.post("users/me/two-factor/confirm") { request, context in
            let identity = try context.requireIdentity()
            let input = try await JSONBody.decode(Code.self, request, context: context)
            let codes = try await accounts.confirmEnrolment(for: identity, code: input.code, by: AuditLog.Actor(identity, clientIP: context.clientIP))
            return JSONBody.response(.with(["enabled": true, "backup_codes": codes]))
        }
        api.post("users/me/two-factor/backup-codes") { request, context in
            let identity = try context.requireIdentity()
            let input = try await JSONBody.decode(Password.self, request, context: context)
            let codes = try await accounts.replaceBackupCodes(
                for: identity, password: input.password, by: AuditLog.Actor(identity, clientIP: context.clientIP))
            return JSONBody.response(.with(["backup_codes": codes]))
        }
        api.post("users/me/two-factor/disable") { request, context in
            let identity = try context.requireIdentity()
            let input = try await JSONBody.decode(Password.self, request, context: context)
            try await accounts.disable(for: identity, password: input.password, by: AuditLog.Actor(identity, clientIP: context.clientIP))
            return JSONBody.response(.with(["enabled": false]))
        }
        api.delete("users/:id/two-factor") { _, context in
            let identity = try context.requireAdmin()
            try await accounts.reset(userID: try context.pathID(), by: identity, actor: AuditLog.Actor(identity, clientIP: context.clientIP))
            return Response(status: .noContent)
        }
    }
}
