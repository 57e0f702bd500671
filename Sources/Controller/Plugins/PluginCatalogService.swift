import Crypto
import Foundation
import Host
import JSONCore

/// The controller's plugin catalog: plugin shared objects an admin uploaded, each checked out
/// of process as `posternproxy plugins check` does (ABI, descriptor, kinds, interfaces,
/// architecture, linked libraries; a plugin that crashes or hangs while loading is refused) and
/// kept by SHA-256 as `DATA_DIR/plugins/<sha256>.so`. Several versions of one plugin id coexist;
/// a pipeline names the one a server runs. A file no pipeline names can be deleted.
struct PluginCatalogService: Sendable {
    let store: Store
    /// Where the files are kept: the folder the local server's pipeline loads them from too.
    let folder: String
    /// The `posternproxy` command whose `plugins inspect` checks an upload in a child process.
    var inspector = "/proc/self/exe"

    /// The largest plugin file accepted.
    static let maximumBytes = 64 << 20

    init(store: Store, dataDirectory: String, inspector: String = "/proc/self/exe") {
        self.store = store
        folder = Controller.pluginFolder(dataDirectory)
        self.inspector = inspector
    }

    func list() async throws -> [CatalogPluginRepository.Entry] {
        try await store.database.read { db in try CatalogPluginRepository.list(db) }
    }

    /// Checks and stores an uploaded file; `signature` is the uploader's base64 Ed25519 signature
    /// over it, required (and verified) when the `plugin_signing_key` setting is set.
    func upload(_ bytes: [UInt8], signature: String?, by actor: AuditLog.Actor) async throws -> CatalogPluginRepository.Entry {
        guard !bytes.isEmpty else { throw DomainError.invalid(ValidationFailure("file", "is empty; send the plugin's shared object as the body")) }
        guard bytes.count <= Self.maximumBytes else {
            throw DomainError.invalid(ValidationFailure("file", "is larger than \(Self.maximumBytes >> 20) MiB"))
        }
        let sha256 = Secrets.hex(SHA256.hash(data: bytes))
        if let signingKey = try await store.database.read({ db in try SettingsRepository.value(db, "plugin_signing_key") }), !signingKey.isEmpty {
            try PluginSigning.verify(bytes, signature: signature, publicKey: signingKey)
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let staging = (folder as NSString).appendingPathComponent(".upload-\(sha256)-\(UUID().uuidString).so")
        guard FileManager.default.createFile(atPath: staging, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw DomainError.unavailable(code: "storage", "the plugin file cannot be written to \(folder)")
        }
        defer { try? FileManager.default.removeItem(atPath: staging) }
        let summary: PluginSummary
        switch IsolatedInspection.inspect(staging, executable: inspector) {
        case .refused(let reason):
            throw DomainError.invalid(ValidationFailure("file", reason.replacingOccurrences(of: staging, with: "the uploaded file")))
        case .accepted(let accepted): summary = accepted
        }
        let entry = CatalogPluginRepository.Entry(
            sha256: sha256, pluginID: summary.id, version: summary.version, name: summary.name, summary: summary.summary, kinds: summary.kinds,
            abi: summary.abi, interfaces: summary.interfaces, declaration: summary.declaration, signature: signature, size: Int64(bytes.count),
            uploadedOn: Date())
        let kept = (folder as NSString).appendingPathComponent("\(sha256).so")
        return try await store.database.write { db in
            if let existing = try CatalogPluginRepository.find(db, sha256: sha256) { return existing }
            if try CatalogPluginRepository.versions(db, pluginID: entry.pluginID).contains(where: { $0.version == entry.version }) {
                throw DomainError.conflict(
                    field: "file", "\(entry.pluginID) \(entry.version) is in the catalog already with other bytes; give a new build a new version")
            }
            if FileManager.default.fileExists(atPath: kept) { try FileManager.default.removeItem(atPath: kept) }
            try FileManager.default.copyItem(atPath: staging, toPath: kept)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: kept)
            try CatalogPluginRepository.insert(db, entry)
            try AuditLog.record(
                db, actor, action: "uploaded", resourceType: "plugin",
                details: ["plugin": entry.pluginID, "version": entry.version, "sha256": sha256])
            return entry
        }
    }

    /// Puts the plugins an admin dropped into the controller's plugins folder into the catalog,
    /// so pipelines reach servers with them as with uploads; PosternProxy's own (`posternproxy.*`)
    /// stay shipped plugins, which every host has. The controller loaded them already, with
    /// the loader's checks; a file already in the catalog is left as it is.
    func registerDropped(_ plugins: [LoadedPlugin]) async throws -> [CatalogPluginRepository.Entry] {
        var registered: [CatalogPluginRepository.Entry] = []
        for plugin in plugins where !PluginIdentifier.isFirstParty(plugin.id) {
            guard let data = FileManager.default.contents(atPath: plugin.file) else { continue }
            let bytes = [UInt8](data)
            let sha256 = Secrets.hex(SHA256.hash(data: bytes))
            let summary = PluginSummary(plugin)
            let entry = CatalogPluginRepository.Entry(
                sha256: sha256, pluginID: plugin.id, version: plugin.version, name: plugin.name, summary: plugin.summary, kinds: summary.kinds,
                abi: summary.abi, interfaces: summary.interfaces, declaration: summary.declaration, signature: nil, size: Int64(bytes.count),
                uploadedOn: Date())
            let kept = (folder as NSString).appendingPathComponent("\(sha256).so")
            let added = try await store.database.write { db -> Bool in
                guard try CatalogPluginRepository.find(db, sha256: sha256) == nil else { return false }
                guard try !CatalogPluginRepository.versions(db, pluginID: entry.pluginID).contains(where: { $0.version == entry.version }) else {
                    return false
                }
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                if FileManager.default.fileExists(atPath: kept) { try FileManager.default.removeItem(atPath: kept) }
                guard FileManager.default.createFile(atPath: kept, contents: data, attributes: [.posixPermissions: 0o600]) else {
                    throw DomainError.unavailable(code: "storage", "the plugin file cannot be written to \(folder)")
                }
                try CatalogPluginRepository.insert(db, entry)
                try AuditLog.record(
                    db, AuditLog.Actor(userID: nil, email: nil, clientIP: "plugins folder"), action: "uploaded", resourceType: "plugin",
                    details: ["plugin": entry.pluginID, "version": entry.version, "sha256": sha256, "file": plugin.file])
                return true
            }
            if added { registered.append(entry) }
        }
        return registered
    }

    /// Deletes a file no pipeline names.
    func delete(sha256: String, by actor: AuditLog.Actor) async throws {
        try await store.database.write { db in
            guard let entry = try CatalogPluginRepository.find(db, sha256: sha256) else {
                throw DomainError.notFound("no plugin with SHA-256 \(sha256.prefix(64)) in the catalog")
            }
            if try PipelineRepository.namedPlugins(db).contains(sha256) {
                throw DomainError.conflict(field: nil, "\(entry.pluginID) \(entry.version) is in a pipeline; remove it from the pipeline first")
            }
            try CatalogPluginRepository.delete(db, sha256: sha256)
            try AuditLog.record(
                db, actor, action: "deleted", resourceType: "plugin", details: ["plugin": entry.pluginID, "version": entry.version, "sha256": sha256])
        }
        try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent("\(sha256).so"))
    }

    /// The bytes and signature of a catalog file, for an agent whose pipeline names it.
    static func file(sha256: String, folder: String, store: Store) async throws -> (bytes: [UInt8], signature: String?)? {
        guard let entry = try await store.database.read({ db in try CatalogPluginRepository.find(db, sha256: sha256) }),
            let data = FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent("\(sha256).so"))
        else { return nil }
        return ([UInt8](data), entry.signature)
    }
}
