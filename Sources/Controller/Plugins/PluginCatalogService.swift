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
    let inspector: String

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
        let staging = (folder as NSString).appendingPathComponent(".upload-\(sha256)-\(UUID().uuidString).so")
        try write(bytes, to: staging)
        defer { try? FileManager.default.removeItem(atPath: staging) }
        let summary: PluginSummary
        switch IsolatedInspection.inspect(staging, executable: inspector) {
        case .refused(let reason):
            throw DomainError.invalid(ValidationFailure("file", reason.replacingOccurrences(of: staging, with: "the uploaded file")))
        case .accepted(let accepted): summary = accepted
        }
        let entry = CatalogPluginRepository.Entry(summary, sha256: sha256, signature: signature, size: bytes.count)
        switch try await keep(bytes, as: entry, by: actor, details: [:]) {
        case .added: return entry
        case .present(let existing): return existing
        case .versionTaken:
            throw DomainError.conflict(
                field: "file", "\(entry.pluginID) \(entry.version) is in the catalog already with other bytes; give a new build a new version")
        }
    }

    /// Puts the plugins an admin dropped into the controller's plugins folder into the catalog,
    /// so pipelines reach servers with them as with uploads; PosternProxy's own (`posternproxy.*`)
    /// stay shipped plugins, which every host has. The controller loaded them already, with
    /// the loader's checks; a file already in the catalog, or a version it holds, is left as it is.
    func registerDropped(_ plugins: [LoadedPlugin]) async throws -> [CatalogPluginRepository.Entry] {
        var registered: [CatalogPluginRepository.Entry] = []
        for plugin in plugins where !PluginIdentifier.isFirstParty(plugin.id) {
            guard let data = FileManager.default.contents(atPath: plugin.file) else { continue }
            let bytes = [UInt8](data)
            let entry = CatalogPluginRepository.Entry(
                PluginSummary(plugin), sha256: Secrets.hex(SHA256.hash(data: bytes)), signature: nil, size: bytes.count)
            let actor = AuditLog.Actor(userID: nil, email: nil, clientIP: "plugins folder")
            if case .added = try await keep(bytes, as: entry, by: actor, details: ["file": .string(plugin.file)]) { registered.append(entry) }
        }
        return registered
    }

    /// Writes a file of the catalog folder (made 0700 when missing), readable by this user only.
    private func write(_ bytes: [UInt8], to path: String) throws {
        do {
            try LocalFiles.createFolder(folder, mode: 0o700)
            try LocalFiles.replace(path, with: bytes, mode: 0o600)
        } catch { throw DomainError.unavailable(code: "storage", "the plugin file cannot be written: \(error)") }
    }

    private enum Keeping {
        case added
        /// The catalog held these bytes already, as this entry.
        case present(CatalogPluginRepository.Entry)
        /// The catalog holds this plugin id and version with other bytes.
        case versionTaken
    }

    /// Writes `bytes` as `entry`'s file and records it, audited as uploaded by `actor`, unless the
    /// catalog holds those bytes already (then it is left as it is) or the same version with
    /// other bytes.
    private func keep(_ bytes: [UInt8], as entry: CatalogPluginRepository.Entry, by actor: AuditLog.Actor, details: [String: JSON]) async throws
        -> Keeping
    {
        try await store.database.write { db in
            if let existing = try CatalogPluginRepository.find(db, sha256: entry.sha256) { return .present(existing) }
            if try CatalogPluginRepository.versions(db, pluginID: entry.pluginID).contains(where: { $0.version == entry.version }) {
                return .versionTaken
            }
            try write(bytes, to: (folder as NSString).appendingPathComponent("\(entry.sha256).so"))
            try CatalogPluginRepository.insert(db, entry)
            var recorded: [(String, JSON)] = [
                ("plugin", .string(entry.pluginID)), ("version", .string(entry.version)), ("sha256", .string(entry.sha256)),
            ]
            recorded += details.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            try AuditLog.record(db, actor, action: "uploaded", resourceType: "plugin", details: .object(recorded))
            return .added
        }
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

extension CatalogPluginRepository.Entry {
    /// The catalog entry of a file whose check read `summary`.
    init(_ summary: PluginSummary, sha256: String, signature: String?, size: Int) {
        self.init(
            sha256: sha256, pluginID: summary.id, version: summary.version, name: summary.name, summary: summary.summary, kinds: summary.kinds,
            abi: summary.abi, interfaces: summary.interfaces, declaration: summary.declaration, signature: signature, size: Int64(size),
            uploadedOn: Date())
    }
}
