import Foundation
import Hummingbird
import NIOCore
import JSONCore

/// Two-factor login (TOTP) for one's own account under `/api/users/me/two-factor`: status,
/// enrolment (password first; a QR code — as SVG, and as rows of modules for a page to draw —
/// and the key; the first right code switches it on and
/// returns ten one-time backup codes), new backup codes, and switching it off; and an admin's
/// recovery of another user's account (`DELETE /api/users/{id}/two-factor`, which also ends their
/// sessions). API tokens are unaffected by all of it.
struct TwoFactorRoutes: Sendable {
    let store: Store
    let service: TwoFactorService
    let passwords: PasswordConfirmation
    let sessions: Sessions

    struct Password: Decodable { var password: String }
    struct Code: Decodable { var code: String }

    func register(on api: RouterGroup<AppContext>) {
        api.get("users/me/two-factor") { _, context in
            let identity = try context.requireIdentity()
            let status = try await service.status(userID: identity.userID)
            let required = try await store.database.read { db in try SettingsRepository.all(db)["require_two_factor"] == "true" }
            return JSONBody.response(
                .with([
                    "enabled": status.enabled, "pending": status.pending, "backup_codes_left": status.backupCodesLeft, "required": required,
                ]))
        }
        api.post("users/me/two-factor") { request, context in
            let identity = try context.requireIdentity()
            let input = try await JSONBody.decode(Password.self, request, context: context)
            let user = try await passwords.confirm(userID: identity.userID, password: input.password, field: "password")
            let enrolment = try await refusing { try await service.begin(userID: user.id, account: user.email) }
            return JSONBody.response(
                .with([
                    "secret": enrolment.secret, "otpauth_uri": enrolment.uri, "qr_code": "/api/users/me/two-factor/qr.svg",
                    "qr_modules": enrolment.qrCode.rows,
                ]), status: .created)
        }
        api.get("users/me/two-factor/qr.svg") { _, context in
            let identity = try context.requireIdentity()
            let code = try await refusing { try await service.pendingQRCode(userID: identity.userID, account: identity.email) }
            return Response(
                status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: code.svg())))
        }
        api.post("users/me/two-factor/confirm") { request, context in
            let identity = try context.requireIdentity()
            let input = try await JSONBody.decode(Code.self, request, context: context)
            let codes: [String]
            do { codes = try await service.confirm(userID: identity.userID, code: input.code) } catch TwoFactorService.Refusal.invalidCode {
                throw APIError.invalid(field: "code", "is not the authenticator's current code (check the phone's clock)")
            } catch let refusal as TwoFactorService.Refusal { throw APIError.twoFactor(refusal) }
            try await audit(identity, context, action: "enable_two_factor", userID: identity.userID)
            return JSONBody.response(.with(["enabled": true, "backup_codes": codes]))
        }
        api.post("users/me/two-factor/backup-codes") { request, context in
            let identity = try context.requireIdentity()
            let input = try await JSONBody.decode(Password.self, request, context: context)
            _ = try await passwords.confirm(userID: identity.userID, password: input.password, field: "password")
            let codes = try await refusing { try await service.newBackupCodes(userID: identity.userID) }
            try await audit(identity, context, action: "new_backup_codes", userID: identity.userID)
            return JSONBody.response(.with(["backup_codes": codes]))
        }
        api.post("users/me/two-factor/disable") { request, context in
            let identity = try context.requireIdentity()
            let input = try await JSONBody.decode(Password.self, request, context: context)
            _ = try await passwords.confirm(userID: identity.userID, password: input.password, field: "password")
            try await store.database.write { db in
                guard try SettingsRepository.all(db)["require_two_factor"] != "true" else {
                    throw APIError.conflict(field: nil, "an admin requires two-factor login for everyone; it cannot be turned off")
                }
                try service.disable(userID: identity.userID, in: db)
                try AuditLog.record(
                    db, AuditLog.Actor(identity, clientIP: context.clientIP), action: "disable_two_factor", resourceType: "user",
                    resourceID: identity.userID)
            }
            return JSONBody.response(.with(["enabled": false]))
        }
        api.delete("users/:id/two-factor") { _, context in
            let identity = try context.requireAdmin()
            let id = try context.pathID()
            guard id != identity.userID else {
                throw APIError.forbidden("turn off your own two-factor login on your account page, with your password")
            }
            try await store.database.write { db in
                guard try UserRecord.fetch(db, id: id) != nil else { throw APIError.notFound("user") }
                try service.disable(userID: id, in: db)
                let ended = try UserRepository.endSessions(db, userID: id)
                try AuditLog.record(
                    db, AuditLog.Actor(identity, clientIP: context.clientIP), action: "reset_two_factor", resourceType: "user", resourceID: id,
                    details: ["sessions_ended": ended])
            }
            return Response(status: .noContent)
        }
    }

    private func refusing<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let refusal as TwoFactorService.Refusal { throw APIError.twoFactor(refusal) }
    }

    private func audit(_ identity: Identity, _ context: AppContext, action: String, userID: Int64) async throws {
        try await store.database.write { db in
            try AuditLog.record(db, AuditLog.Actor(identity, clientIP: context.clientIP), action: action, resourceType: "user", resourceID: userID)
        }
    }
}
