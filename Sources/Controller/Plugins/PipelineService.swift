import Foundation
import Host
import JSONCore

/// Pipelines kept as data: a server's apply, provision and update-agent pipelines (or the
/// default every server without its own runs) as ordered lists of plugins with their config. A
/// change is checked against each plugin's declared config schema and audited. A change to an
/// apply pipeline bumps the revision of every server it reaches, so it is pushed and applied like
/// any other change; a provisioning pipeline runs at the server's next provisioning run.
struct PipelineService: Sendable {
    let store: Store
    /// The plugins the controller ships with (its plugins folder), by id, with their declarations:
    /// a step may name them without a version, and every server is expected to hold them.
    let bundled: [String: PluginDeclaration?]
    var onChange: @Sendable () -> Void = {}

    /// The pipelines kept as data.
    static let names: Set<String> = ["apply", "provision", "update-agent"]

    struct Listing: Sendable {
        /// The server's own pipeline, or the default's when asked for the default.
        var own: DesiredPipeline?
        /// What the server runs: its own, else the default; nil when the server runs the pipeline
        /// its host is configured with.
        var effective: DesiredPipeline?
    }

    func get(serverID: Int64?, name: String) async throws -> Listing {
        try Self.check(name)
        return try await store.database.read { db in
            if let serverID, try !ServerRepository.exists(db, id: serverID) { throw DomainError.notFound("no server \(serverID)") }
            let own = try PipelineRepository.find(db, serverID: serverID, name: name)
            let effective = try serverID.map { try PipelineRepository.effective(db, serverID: $0, name: name) } ?? own
            return Listing(own: own, effective: effective)
        }
    }

    /// Replaces the pipeline with `body` (`{"steps": [{"plugin", "version", "config"}]}`).
    func put(serverID: Int64?, name: String, body: JSON, by actor: AuditLog.Actor) async throws -> DesiredPipeline {
        try Self.check(name)
        let pipeline = try await store.database.write { db in
            if let serverID, try !ServerRepository.exists(db, id: serverID) { throw DomainError.notFound("no server \(serverID)") }
            let pipeline = try resolve(body, name: name, db)
            try PipelineRepository.save(db, serverID: serverID, name: name, pipeline: pipeline)
            if name == "apply" { try bump(db, serverID: serverID) }
            try AuditLog.record(
                db, actor, action: "updated", resourceType: "pipeline",
                details: .object([
                    ("pipeline", .string(name)), ("server_id", serverID.map { .int(Int($0)) } ?? .null),
                    ("steps", .array(pipeline.steps.map { .string("\($0.plugin) \($0.version ?? "")") })),
                ]), serverID: serverID)
            return pipeline
        }
        onChange()
        return pipeline
    }

    /// Forgets the kept pipeline: the server goes back to the default (or, for the default, to
    /// the pipeline each host is configured with); the steps dropped are rolled back there.
    func delete(serverID: Int64?, name: String, by actor: AuditLog.Actor) async throws {
        try Self.check(name)
        try await store.database.write { db in
            guard try PipelineRepository.find(db, serverID: serverID, name: name) != nil else {
                throw DomainError.notFound("no \(name) pipeline kept for \(serverID.map { "server \($0)" } ?? "the default")")
            }
            try PipelineRepository.delete(db, serverID: serverID, name: name)
            if name == "apply" { try bump(db, serverID: serverID) }
            try AuditLog.record(
                db, actor, action: "deleted", resourceType: "pipeline",
                details: .object([("pipeline", .string(name)), ("server_id", serverID.map { .int(Int($0)) } ?? .null)]), serverID: serverID)
        }
        onChange()
    }

    private static func check(_ name: String) throws {
        guard names.contains(name) else {
            throw DomainError.notFound(
                "no pipeline \(FieldRules.printable(String(name.prefix(64)))); pipelines: \(names.sorted().joined(separator: ", "))")
        }
    }

    private func bump(_ db: any SQLConnection, serverID: Int64?) throws {
        if let serverID { try ServerRepository.bumpRevision(db, id: serverID) } else { try ServerRepository.bumpAllRevisions(db) }
    }

    /// The steps of `body`, each naming a plugin the controller ships with or a version in the
    /// catalog (the newest upload when no version is given), its config checked against the
    /// plugin's schema. Refusals name the field: `steps[1].config.port`.
    private func resolve(_ body: JSON, name: String, _ db: any SQLConnection) throws -> DesiredPipeline {
        guard let members = body.objectMembers else { throw DomainError.invalid(ValidationFailure("body", "must be a JSON object with steps")) }
        if let unknown = members.first(where: { $0.0 != "steps" }) {
            throw DomainError.invalid(ValidationFailure(FieldRules.printable(String(unknown.0.prefix(64))), "is not a member of a pipeline (steps)"))
        }
        guard let list = body["steps"]?.arrayValue else { throw DomainError.invalid(ValidationFailure("steps", "must be a list of steps")) }
        guard !list.isEmpty, list.count <= 64 else { throw DomainError.invalid(ValidationFailure("steps", "must name 1 to 64 steps")) }
        var steps: [DesiredPipeline.Step] = []
        for (index, item) in list.enumerated() {
            let field = "steps[\(index)]"
            guard let stepMembers = item.objectMembers else { throw DomainError.invalid(ValidationFailure(field, "must be an object with plugin")) }
            if let unknown = stepMembers.first(where: { !["plugin", "version", "config"].contains($0.0) }) {
                throw DomainError.invalid(
                    ValidationFailure(
                        "\(field).\(FieldRules.printable(String(unknown.0.prefix(64))))", "is not a member of a step (plugin, version, config)"))
            }
            guard let plugin = item["plugin"]?.stringValue, PluginIdentifier.isValid(plugin) else {
                throw DomainError.invalid(ValidationFailure("\(field).plugin", "must be a plugin id (reverse-DNS: com.example.step)"))
            }
            let version = item["version"]?.stringValue
            if item["version"] != nil, !(version.map { PluginVersion.isValid($0) } ?? false) {
                throw DomainError.invalid(ValidationFailure("\(field).version", "must be MAJOR.MINOR.PATCH"))
            }
            let config = item["config"] ?? .object([])
            guard let configMembers = config.objectMembers else {
                throw DomainError.invalid(ValidationFailure("\(field).config", "must be a JSON object"))
            }
            if name == "apply", let taken = configMembers.first(where: { ApplyPipeline.hostSettingNames.contains($0.0) }) {
                throw DomainError.invalid(
                    ValidationFailure("\(field).config.\(taken.0)", "is a setting each server gives every apply step; it cannot be set here"))
            }
            let versions = try CatalogPluginRepository.versions(db, pluginID: plugin)
            let declaration: PluginDeclaration?
            var step = DesiredPipeline.Step(plugin: plugin, config: config)
            if let entry = version.map({ wanted in versions.last { $0.version == wanted } }) ?? versions.last {
                step.version = entry.version
                step.sha256 = entry.sha256
                declaration = try entry.declaration.map { try PluginDeclaration(text: $0) }
            } else if let shipped = bundled[plugin], version == nil {
                declaration = shipped
            } else {
                let what = version.map { "\(plugin) \($0)" } ?? plugin
                throw DomainError.invalid(
                    ValidationFailure("\(field).plugin", "\(what) is neither in the plugin catalog nor shipped with the controller; upload it first"))
            }
            if let schema = declaration?.configSchema, let problem = schema.problems(in: config).first {
                let path = problem.path.hasPrefix("config") ? String(problem.path.dropFirst("config".count)) : problem.path
                throw DomainError.invalid(ValidationFailure("\(field).config\(path)", problem.message))
            }
            steps.append(step)
        }
        return DesiredPipeline(steps: steps)
    }
}
