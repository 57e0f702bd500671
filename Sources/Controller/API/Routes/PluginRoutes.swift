import Foundation
import Host
import HTTPTypes
import Hummingbird
import JSONCore

/// `/api/plugins` (the catalog: list, upload, delete) and the pipelines kept as data:
/// `/api/pipelines/default/{name}` and `/api/servers/{id}/pipelines/{name}`. Admins only.
struct PluginRoutes: Sendable {
    let catalog: PluginCatalogService
    let pipelines: PipelineService

    func register(on api: RouterGroup<AppContext>) {
        api.get("plugins") { _, context in
            _ = try context.requireAdmin()
            let items = try await catalog.list().map(Self.json)
            let bundled = pipelines.bundled.sorted { $0.key < $1.key }.map { id, declaration -> JSON in
                .object([("plugin_id", .string(id)), ("bundled", true), ("declaration", declaration.map(\.json) ?? .null)])
            }
            return JSONBody.response(.object([("items", .array(items)), ("total", .int(items.count)), ("bundled", .array(bundled))]))
        }
        api.post("plugins") { request, context in
            let identity = try context.requireAdmin()
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: PluginCatalogService.maximumBytes) } catch {
                throw APIError(
                    .contentTooLarge, code: "too_large", message: "a plugin file may be at most \(PluginCatalogService.maximumBytes >> 20) MiB")
            }
            let entry = try await catalog.upload(
                Array(body.readableBytesView), signature: request.headers[HTTPField.Name("X-Plugin-Signature")!],
                by: AuditLog.Actor(identity, clientIP: context.clientIP))
            return JSONBody.response(Self.json(entry), status: .created)
        }
        api.delete("plugins/:sha256") { _, context in
            let identity = try context.requireAdmin()
            guard let sha256 = context.parameters.get("sha256"), PluginDigest.isValid(sha256) else {
                throw APIError.notFound("plugin")
            }
            try await catalog.delete(sha256: sha256, by: AuditLog.Actor(identity, clientIP: context.clientIP))
            return Response(status: .noContent)
        }
        for (path, server) in [("pipelines/default/:name", false), ("servers/:id/pipelines/:name", true)] {
            api.get(RouterPath(path)) { _, context in
                _ = try context.requireAdmin()
                let listing = try await pipelines.get(serverID: server ? try context.pathID() : nil, name: try Self.name(context))
                return JSONBody.response(
                    .object([("own", listing.own.map(Self.json) ?? .null), ("effective", listing.effective.map(Self.json) ?? .null)]))
            }
            api.put(RouterPath(path)) { request, context in
                let identity = try context.requireAdmin()
                let body = try await JSONBody.object(request, context: context)
                let pipeline = try await pipelines.put(
                    serverID: server ? try context.pathID() : nil, name: try Self.name(context), body: body,
                    by: AuditLog.Actor(identity, clientIP: context.clientIP))
                return JSONBody.response(Self.json(pipeline))
            }
            api.delete(RouterPath(path)) { _, context in
                let identity = try context.requireAdmin()
                try await pipelines.delete(
                    serverID: server ? try context.pathID() : nil, name: try Self.name(context),
                    by: AuditLog.Actor(identity, clientIP: context.clientIP))
                return Response(status: .noContent)
            }
        }
    }

    private static func name(_ context: AppContext) throws -> String {
        guard let name = context.parameters.get("name") else { throw APIError.notFound("pipeline") }
        return name
    }

    static func json(_ entry: CatalogPluginRepository.Entry) -> JSON {
        .object([
            ("sha256", .string(entry.sha256)), ("plugin_id", .string(entry.pluginID)), ("version", .string(entry.version)),
            ("name", .string(entry.name)), ("summary", .string(entry.summary)), ("kinds", .string(entry.kinds)), ("abi", .string(entry.abi)),
            ("interfaces", .strings(entry.interfaces)),
            ("declaration", entry.declaration.flatMap { try? JSONParser.parse(Array($0.utf8)) } ?? .null),
            ("signed", .bool(entry.signature != nil)), ("size", .int(Int(entry.size))),
            ("uploaded_on", .string(entry.uploadedOn.formatted(.iso8601))),
        ])
    }

    static func json(_ pipeline: DesiredPipeline) -> JSON { pipeline.json }
}
