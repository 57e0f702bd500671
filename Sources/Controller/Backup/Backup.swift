import Crypto
import Foundation
import Host
import JSONCore

/// Backup and restore. A backup is a tar archive of a manifest, a consistent snapshot of the
/// database, which holds every resource, user, uploaded certificate, catalog entry and pipeline,
/// and the plugin files of the catalog (`plugins/<sha256>.so`). A restore checks the archive
/// (each plugin file by its SHA-256), validates every resource as the API would, puts the plugin
/// files in place, then replaces the data in one transaction, ends every session, and bumps every
/// server's revision so all are re-rendered and re-synced.
struct Backup: Sendable {
    let store: Store
    let validation: ValidationContext
    /// Where the plugin catalog keeps its files.
    var pluginFolder: String? = nil
    /// Read again after a restore, which may bring other admin-domain settings.
    var adminDomain: AdminDomain? = nil

    static let manifestName = "manifest.json"
    static let databaseName = "posternproxy.sqlite"
    static let format = 1

    /// A tar archive of the manifest and a consistent copy of the database; audited.
    func create(by actor: AuditLog.Actor) async throws -> Data {
        let folder = NSTemporaryDirectory() + "posternproxy-backup-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let snapshot = folder + "/" + Self.databaseName
        try await store.database.copy(to: snapshot)
        let plugins = try pluginEntries(inCatalogOf: snapshot)
        let manifest = Data(
            JSON.with(["contents": [Self.databaseName] + plugins.map(\.name), "created_on": Date(), "format": Self.format]).serialized())
        let archive = TarArchive.write(
            [
                TarArchive.Entry(name: Self.manifestName, data: manifest),
                TarArchive.Entry(name: Self.databaseName, data: try Data(contentsOf: URL(fileURLWithPath: snapshot))),
            ] + plugins)
        try await store.database.write { db in
            try AuditLog.record(db, actor, action: "backup", resourceType: "backup", details: ["bytes": archive.count])
        }
        return archive
    }

    /// The catalog's plugin files, as archive entries named `plugins/<sha256>.so`.
    private func pluginEntries(inCatalogOf snapshot: String) throws -> [TarArchive.Entry] {
        guard let pluginFolder else { return [] }
        return try SQLiteFile(path: snapshot).read { db in try BackupRepository.catalogFiles(db) }.compactMap { sha256 in
            FileManager.default.contents(atPath: (pluginFolder as NSString).appendingPathComponent("\(sha256).so")).map {
                TarArchive.Entry(name: "plugins/\(sha256).so", data: $0)
            }
        }
    }

    /// Whether `name` is a plugin file's entry: `plugins/<sha256>.so`.
    private static func pluginDigest(ofEntry name: String) -> String? {
        guard name.hasPrefix("plugins/"), name.hasSuffix(".so") else { return nil }
        let digest = String(name.dropFirst("plugins/".count).dropLast(3))
        return PluginDigest.isValid(digest) ? digest : nil
    }

    /// A refused archive: the `archive` field and why.
    static func invalidArchive(_ message: String) -> DomainError { .invalid(ValidationFailure("archive", message)) }

    /// What a restore brought back.
    struct Restored: Sendable {
        var resources: Int
        var users: Int
    }

    /// What a restore of an archive would bring back, told before anything is replaced.
    struct Preview: Sendable {
        /// When the backup was made, as its manifest says.
        var createdOn: String
        /// Resources by type, users and remote servers in the backup.
        var resources: [String: Int]
        var users: Int
        var remoteServers: Int
    }

    /// Checks `archive` as a restore would and says what it holds; changes nothing.
    func preview(_ archive: Data) async throws -> Preview {
        try await withCheckedArchive(archive) { path, createdOn, _ in
            try SQLiteFile(path: path).read { db in
                Preview(
                    createdOn: createdOn, resources: try BackupRepository.resourceCountsByType(db), users: try BackupRepository.userCount(db),
                    remoteServers: try BackupRepository.remoteServerCount(db))
            }
        }
    }

    func restore(_ archive: Data, actor: AuditLog.Actor) async throws -> Restored {
        let restored = try await withCheckedArchive(archive) { path, createdOn, files in
            try putInPlace(files)
            return try await BackupRepository.replaceAll(store.database, withTablesOf: path) { db in
                try ResourceRepository.markAllPending(db)
                try ServerRepository.bumpAllRevisions(db)
                try AuditLog.record(db, actor, action: "restore", resourceType: "backup", details: ["restored_from": createdOn])
                return Restored(resources: try BackupRepository.resourceCount(db), users: try BackupRepository.userCount(db))
            }
        }
        // The restore stands even if this read fails: the admin domain is then read again at
        // the next settings change or start.
        try? await adminDomain?.refresh(store)
        return restored
    }

    /// Writes the backup's plugin files the catalog folder lacks (a file there is named by the
    /// SHA-256 of its bytes, so one already there is the same).
    private func putInPlace(_ files: [String: Data]) throws {
        guard let pluginFolder, !files.isEmpty else { return }
        do {
            try LocalFiles.createFolder(pluginFolder, mode: 0o700)
            for (digest, data) in files {
                let path = (pluginFolder as NSString).appendingPathComponent("\(digest).so")
                guard !LocalFiles.exists(path) else { continue }
                try LocalFiles.replace(path, with: data, mode: 0o600)
            }
        } catch { throw DomainError.unavailable(code: "storage", "a plugin file cannot be written to \(pluginFolder): \(error)") }
    }

    /// Reads `archive`, writes its database to a private temporary file, checks it as the API
    /// would its rows, and runs `body` with the file's path and the backup's date; the file is
    /// removed afterwards. A refusal names the archive and the problem.
    private func withCheckedArchive<T>(_ archive: Data, _ body: (String, String, [String: Data]) async throws -> T) async throws -> T {
        let entries: [TarArchive.Entry]
        do {
            entries = try TarArchive.read(
                archive, allowedNames: [Self.manifestName, Self.databaseName], alsoAllowing: { Self.pluginDigest(ofEntry: $0) != nil },
                maxEntrySize: 512 << 20)
        } catch { throw Self.invalidArchive(error.description) }
        guard let manifestData = entries.first(where: { $0.name == Self.manifestName })?.data,
            let manifest = try? JSONParser.parse(manifestData), manifest["format"] == .int(Self.format)
        else { throw Self.invalidArchive("no PosternProxy backup manifest (format \(Self.format))") }
        guard let database = entries.first(where: { $0.name == Self.databaseName })?.data, database.starts(with: Data("SQLite format 3\0".utf8))
        else {
            throw Self.invalidArchive("the backup holds no SQLite database")
        }
        let backupDate = manifest["created_on"]?.stringValue ?? ""
        let folder = NSTemporaryDirectory() + "posternproxy-restore-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/" + Self.databaseName
        try database.write(to: URL(fileURLWithPath: path))
        var rules = validation
        rules.unrestrictedAdvancedConfig = try await store.database.read { db in
            try SettingsRepository.all(db)["unrestricted_advanced_config"] == "true"
        }
        try validate(path, rules: rules)
        // Every catalog entry's file, from the archive (checked by its SHA-256) or already here.
        var files: [String: Data] = [:]
        for entry in entries {
            guard let digest = Self.pluginDigest(ofEntry: entry.name) else { continue }
            guard Secrets.hex(SHA256.hash(data: entry.data)) == digest else { throw Self.invalidArchive("\(entry.name) does not have that SHA-256") }
            files[digest] = entry.data
        }
        for digest in try SQLiteFile(path: path).read({ db in try BackupRepository.catalogFiles(db) }) where files[digest] == nil {
            let here = pluginFolder.map { ($0 as NSString).appendingPathComponent("\(digest).so") }
            guard let here, FileManager.default.fileExists(atPath: here) else {
                throw Self.invalidArchive("the catalog's plugin file \(digest) is neither in the backup nor on this controller")
            }
        }
        return try await body(path, backupDate, files)
    }

    /// The restored database must have this controller's schema (an older controller's backup
    /// is migrated forward first; a newer one's is refused), a local server, an admin, and
    /// resources that pass the API's validation; otherwise nothing is changed.
    private func validate(_ path: String, rules validation: ValidationContext) throws {
        try Self.bringSchemaUpToDate(path)
        let candidate: SQLiteFile
        do {
            candidate = try SQLiteFile(path: path)
        } catch { throw Self.invalidArchive("the database does not open: \(error)") }
        try candidate.read { db in
            try Self.validateAccountsAndSettings(db, addresses: validation.addresses)
            guard try BackupRepository.localServerCount(db) == 1 else {
                throw Self.invalidArchive("the backup has no local server")
            }
            guard try UserRepository.activeAdminCount(db) >= 1 else {
                throw Self.invalidArchive("the backup has no active admin")
            }
            for (id, type, data) in try BackupRepository.resources(db) {
                do {
                    try ResourceValidation.revalidate(type: type, data: data, context: validation)
                } catch let failure as ValidationFailure {
                    throw Self.invalidArchive("\(type) \(id): \(failure.field) \(failure.message)")
                } catch {
                    throw Self.invalidArchive("\(type) \(id) cannot be read: \(error)")
                }
            }
        }
    }
}

extension Backup {
    /// Runs on the backup's database file at `path` the migrations this controller has and it
    /// lacks, so a backup from an older controller restores; refuses one whose schema has
    /// migrations this controller does not know (it comes from a newer controller).
    static func bringSchemaUpToDate(_ path: String) throws {
        let applied: Set<String>?
        do {
            applied = try SQLiteFile(path: path).appliedMigrations()
        } catch { throw invalidArchive("the database does not open: \(error)") }
        guard let applied else { throw invalidArchive("the database has no migrations table") }
        let unknown = applied.subtracting(SQLiteFile.knownMigrations)
        guard unknown.isEmpty else {
            throw invalidArchive(
                "the backup comes from a newer controller: its schema has \(unknown.sorted().joined(separator: ", ")), which this one does not know; restore it on that version or a later one"
            )
        }
        do {
            try SQLiteFile.migrate(path)
        } catch { throw invalidArchive("the backup's schema could not be brought up to date: \(error)") }
    }

    /// Every row a restore brings back that the API would have checked, checked by the same
    /// rules: users, servers, settings, API tokens, backup codes and webhooks. The first that fails refuses
    /// the whole archive, naming the table, the row and the field.
    static func validateAccountsAndSettings(_ db: any SQLConnection, addresses: AddressPolicy) throws {
        /// Runs `rules` on one row; a failure refuses the archive naming the row.
        func check(_ table: String, _ id: String, _ rules: () throws(ValidationFailure) -> Void) throws(DomainError) {
            do throws(ValidationFailure) {
                try rules()
            } catch {
                throw Self.invalidArchive("\(table) \(id): \(error.field) \(error.message)")
            }
        }
        for (id, email, name, role, hash) in try BackupRepository.users(db) {
            try check("user", "\(id)") { () throws(ValidationFailure) in
                guard try FieldRules.email(email, field: "email") == email else { throw ValidationFailure("email", "is not in lower case") }
                _ = try FieldRules.text(name, field: "name", maxLength: 255)
                _ = try FieldRules.oneOf(role, ["admin", "viewer"], field: "role")
                guard Secrets.isPasswordHash(hash) else { throw ValidationFailure("password_hash", "is not a bcrypt hash") }
            }
        }
        for (id, name, hostname, port, user) in try BackupRepository.remoteServers(db) {
            try check("server", "\(id)") { () throws(ValidationFailure) in
                _ = try FieldRules.text(name, field: "name", maxLength: 100)
                guard try FieldRules.host(hostname, field: "hostname") == hostname else {
                    throw ValidationFailure("hostname", "is not in its canonical form")
                }
                try addresses.check(host: hostname, port: nil, field: "hostname")
                _ = try FieldRules.port(port, field: "ssh_port")
                _ = try ServerService.validSSHUser(user)
            }
        }
        for (key, value) in try BackupRepository.storedSettings(db) {
            try check("setting", FieldRules.printable(key)) { () throws(ValidationFailure) in
                _ = try Settings.validate(key, value, addresses: addresses)
            }
        }
        let hex = Set("0123456789abcdef".utf8)
        for (table, column, id, hash) in try BackupRepository.secretHashes(db) {
            try check(table, "\(id)") { () throws(ValidationFailure) in
                guard hash.utf8.count == 64, hash.utf8.allSatisfy(hex.contains) else { throw ValidationFailure(column, "is not a SHA-256 hash") }
            }
        }
        for (id, name, scope) in try BackupRepository.tokenNames(db) {
            try check("api_token", "\(id)") { () throws(ValidationFailure) in
                _ = try FieldRules.text(name, field: "name", maxLength: 100)
                _ = try FieldRules.oneOf(scope, TokenScope.allCases.map(\.rawValue), field: "scope")
            }
        }
        let target = WebhookTarget(addresses: addresses)
        for webhook in try BackupRepository.webhooks(db) {
            try check("webhook", "\(webhook.id)") { () throws(ValidationFailure) in
                _ = try FieldRules.text(webhook.name, field: "name", maxLength: 100)
                _ = try FieldRules.oneOf(webhook.format, WebhookFormat.allCases.map(\.rawValue), field: "format")
                guard !webhook.events.isEmpty, Set(webhook.events).isSubset(of: WebhookService.subscribable) else {
                    throw ValidationFailure("events", "are not all known events")
                }
                try target.check(webhook.url, allowPrivate: webhook.allowPrivateTarget)
            }
        }
    }
}

/// Runs a stored resource through the same validation as the API (restore uses it).
enum ResourceValidation {
    static func revalidate(type: String, data: String, context: ValidationContext) throws {
        switch type {
        case ProxyHostKind.type: try check(ProxyHostKind.self, data, context)
        case RedirectionHostKind.type: try check(RedirectionHostKind.self, data, context)
        case DeadHostKind.type: try check(DeadHostKind.self, data, context)
        case StreamHostKind.type: try check(StreamHostKind.self, data, context)
        case PortForwardKind.type: try check(PortForwardKind.self, data, context)
        case AccessListKind.type: try check(AccessListKind.self, data, context)
        case CertificateKind.type: try check(CertificateKind.self, data, context)
        default: throw ValidationFailure("type", "`\(type)` is not a resource type")
        }
    }

    private static func check<Kind: ResourceKind>(_ kind: Kind.Type, _ data: String, _ context: ValidationContext) throws {
        let payload = try JSONValueDecoder(unknownMembers: .ignore).decode(Kind.Payload.self, from: try JSONParser.parse(Array(data.utf8)))
        _ = try Kind.prepare(payload, previous: payload, context: context)
    }
}
