import Hummingbird
import JSONCore

/// `POST /api/import/npm` (admin): imports an Nginx Proxy Manager installation onto `server_id`
/// (the local server when absent), from one of two sources:
/// - `data_folder`: NPM's data folder on the controller's machine (`database.sqlite`,
///   `custom_ssl/`, `letsencrypt/`), read only;
/// - `url` with an NPM admin's `email` and `password` (and `totp_code` when NPM asks for one): a
///   running NPM, read through its own API, whatever database it uses.
/// A dry run unless `confirm` is true: the report says what would be created, created disabled
/// and why, found already here, or refused and why.
struct NPMImportRoutes: Sendable {
    let importer: NPMImporter
    let validation: @Sendable (Identity) async throws -> ValidationContext

    struct Body: Decodable {
        var data_folder: String?
        var url: String?
        var email: String?
        var password: String?
        var totp_code: String?
        var server_id: Int64?
        var confirm: Bool?
    }

    func register(on api: RouterGroup<AppContext>) {
        api.post("import/npm") { request, context in
            let identity = try context.requireAdmin()
            let body = try await JSONBody.decode(Body.self, request, context: context)
            let actor = AuditLog.Actor(identity, clientIP: context.clientIP)
            let confirm = body.confirm ?? false
            let report: NPMImportReport
            switch (body.data_folder, body.url) {
            case (let folder?, nil):
                report = try await importer.importDataFolder(
                    folder, serverID: body.server_id, confirm: confirm, validation: try await validation(identity), actor: actor)
            case (nil, let url?):
                guard let email = body.email, !email.isEmpty else {
                    throw DomainError.invalid(ValidationFailure("email", "is required with url: an NPM admin's email"))
                }
                guard let password = body.password, !password.isEmpty else {
                    throw DomainError.invalid(ValidationFailure("password", "is required with url: that NPM admin's password"))
                }
                report = try await importer.importRunning(
                    url: url, email: email, password: password, totpCode: body.totp_code, serverID: body.server_id, confirm: confirm,
                    validation: try await validation(identity), actor: actor)
            case (_?, _?):
                throw DomainError.invalid(ValidationFailure("url", "give either data_folder (NPM's data folder) or url (a running NPM), not both"))
            case (nil, nil):
                throw DomainError.invalid(
                    ValidationFailure("data_folder", "is required: NPM's data folder, or url with an NPM admin's email and password"))
            }
            return JSONBody.response(report.json)
        }
    }
}
