import Hummingbird
import JSONCore

/// `POST /api/import/npm` (admin): imports an Nginx Proxy Manager installation from its data
/// folder on the controller's machine (`data_folder`: `database.sqlite`, `custom_ssl/`,
/// `letsencrypt/`) onto `server_id` (the local server when absent). A dry run unless `confirm`
/// is true: the report says what would be created, created disabled and why, found already
/// here, or refused and why.
struct NPMImportRoutes: Sendable {
    let importer: NPMImporter
    let validation: @Sendable (Identity) async throws -> ValidationContext

    struct Body: Decodable {
        var data_folder: String
        var server_id: Int64?
        var confirm: Bool?
    }

    func register(on api: RouterGroup<AppContext>) {
        api.post("import/npm") { request, context in
            let identity = try context.requireAdmin()
            let body = try await JSONBody.decode(Body.self, request, context: context)
            let report = try await importer.importDataFolder(
                body.data_folder, serverID: body.server_id, confirm: body.confirm ?? false, validation: try await validation(identity),
                actor: AuditLog.Actor(identity, clientIP: context.clientIP))
            return JSONBody.response(report.json)
        }
    }
}
