import Foundation
import JSONCore
import NIOPosix

/// Imports an Nginx Proxy Manager installation onto one server: users (NPM's bcrypt hashes kept,
/// so their passwords keep working, and their two-factor login with the same authenticator;
/// NPM's `admin` role is admin, any other user a viewer),
/// certificates with their keys, access lists (users and rules), proxy, redirection and dead
/// hosts and streams, each translated as NPM's API layer translates it (``NPMShapes``) and
/// validated by its kind's own rules.
///
/// Everything is validated first, then stored in one transaction, each item in a savepoint of
/// its own: an item that cannot be stored is refused with the reason and nothing else is
/// affected, and an import cut short (the process killed) leaves nothing of itself. A dry run is
/// the same run rolled back at the end, so its report is exactly what the import would do. What
/// is already here (the same domains, port, list name, email or certificate) is found and not
/// created again, so importing twice creates nothing the second time. The import and every
/// resource it creates are in the audit log.
struct NPMImporter: Sendable {
    let store: Store
    let onChange: @Sendable () -> Void
    /// Seals the two-factor secrets of imported users.
    let vault: CredentialVault

    /// Reads the data folder at `path` on the controller's machine and imports it (a dry run
    /// unless `confirm`) onto `serverID` (the local server when nil).
    func importDataFolder(
        _ path: String, serverID: Int64?, confirm: Bool, validation: ValidationContext, actor: AuditLog.Actor
    ) async throws -> NPMImportReport {
        let installation = try await NIOThreadPool.singleton.runIfActive { try NPMInstallation.read(dataFolder: path) }
        return try await importing(installation, serverID: serverID, confirm: confirm, validation: validation, actor: actor)
    }

    /// Signs in to the NPM running at `url` as an admin, reads it through its API and imports it
    /// (a dry run unless `confirm`) onto `serverID` (the local server when nil).
    func importRunning(
        url: String, email: String, password: String, totpCode: String?, serverID: Int64?, confirm: Bool, validation: ValidationContext,
        actor: AuditLog.Actor
    ) async throws -> NPMImportReport {
        let installation: NPMInstallation
        do {
            let npm = try await NPMAPIClient.signIn(url: url, email: email, password: password, totpCode: totpCode)
            installation = try await NPMInstallation.read(running: npm, signedInWith: password)
        } catch let failure as ValidationFailure {
            throw DomainError.invalid(failure)
        }
        return try await importing(installation, serverID: serverID, confirm: confirm, validation: validation, actor: actor)
    }

    func importing(
        _ installation: NPMInstallation, serverID requested: Int64?, confirm: Bool, validation: ValidationContext, actor: AuditLog.Actor
    ) async throws -> NPMImportReport {
        let proxyHosts = ResourceService<ProxyHostKind>(store: store, onChange: onChange)
        let serverID = try await store.database.read { db in try proxyHosts.server(requested, db) }
        var steps: [Step] = []
        for user in installation.users { steps.append(await userStep(user)) }
        for certificate in installation.certificates { steps.append(await certificateStep(certificate, validation)) }
        for list in installation.accessLists { steps.append(await accessListStep(list, validation)) }
        for row in installation.proxyHosts { steps.append(await hostStep(NPMProxyHost.self, row, validation)) }
        for row in installation.redirectionHosts { steps.append(await hostStep(NPMRedirectionHost.self, row, validation)) }
        for row in installation.deadHosts { steps.append(await hostStep(NPMDeadHost.self, row, validation)) }
        for row in installation.streams { steps.append(await hostStep(NPMStream.self, row, validation)) }

        let planned = steps
        do {
            let report = try await store.database.write { db -> NPMImportReport in
                var report = NPMImportReport(dryRun: !confirm, serverID: serverID)
                let ids = ImportedIDs()
                for step in planned { report.items.append(try step.run(db, ids, serverID, actor)) }
                if report.count(.create) + report.count(.createDisabled) > 0 { try ServerRepository.bumpRevision(db, id: serverID) }
                // A dry run rolls all of this back, its audit entry too: it changed nothing.
                try AuditLog.record(
                    db, actor, action: "npm_import", resourceType: "npm_installation",
                    details: [
                        "created": report.count(.create), "created_disabled": report.count(.createDisabled), "existing": report.count(.exists),
                        "refused": report.count(.refused),
                    ], serverID: serverID)
                guard confirm else { throw DryRunEnded(report: report) }
                return report
            }
            onChange()
            return report
        } catch let ended as DryRunEnded {
            return ended.report
        }
    }

    // MARK: - One step per item

    /// One item: its report line as planned, and how to store it within the import's transaction
    /// (nil when it is refused already).
    private struct Step: Sendable {
        var item: NPMImportReport.Item
        var store: (@Sendable (any SQLConnection, ImportedIDs, Int64, AuditLog.Actor) throws -> NPMImportReport.Item)?

        func run(_ db: any SQLConnection, _ ids: ImportedIDs, _ serverID: Int64, _ actor: AuditLog.Actor) throws -> NPMImportReport.Item {
            guard let store else { return item }
            return try store(db, ids, serverID, actor)
        }
    }

    /// The resources this import's NPM ids became, by kind (`access_list`, `certificate`), for the
    /// references of what is stored after them. Used only inside the import's transaction.
    private final class ImportedIDs: @unchecked Sendable {
        var byKind: [String: [Int: Int64]] = [:]
        /// Certificates stored awaiting the upload of their files: a host using one is disabled.
        var awaitingUpload: Set<Int64> = []
        /// The resources here, by `<kind> by <identity name>` and then identity: read once, then
        /// kept current as items are stored.
        var existing: [String: [String: (id: Int64, awaitingUpload: Bool)]] = [:]
    }

    /// Thrown to roll back a dry run's transaction, carrying its report out.
    private struct DryRunEnded: Error {
        var report: NPMImportReport
    }

    private func userStep(_ user: NPMInstallation.User) async -> Step {
        let npmID = user.row["id"].flatMap { if case .int(let id) = $0 { id } else { nil } } ?? 0
        var item = NPMImportReport.Item(
            kind: "user", npmID: npmID, name: FieldRules.printable(user.row["email"]?.stringValue ?? ""), action: .refused)
        let email: String, name: String
        do {
            email = try FieldRules.email(user.row["email"]?.stringValue ?? "", field: "email")
            name = try FieldRules.text(user.row["name"]?.stringValue ?? "", field: "name")
        } catch {
            item.reason = "\(error.field): \(error.message)"
            return Step(item: item)
        }
        let hash: String
        switch user.password {
        case .bcrypt(let stored):
            guard let stored, Secrets.isPasswordHash(stored) else {
                item.reason = "it has no bcrypt password hash NPM would accept"
                return Step(item: item)
            }
            hash = stored
        case .unreadable:
            // A password nobody knows: the account is there, and signs in once an admin sets one.
            guard let locked = try? await Secrets.hashPassword(Secrets.password(length: 32)) else {
                item.reason = "the controller is shutting down"
                return Step(item: item)
            }
            hash = locked
            item.note =
                "NPM's API does not give out passwords: set this user's password (Users → Edit) before it signs in"
                + (user.twoFactorWithheld ? "; NPM had two-factor login on for it, which it sets up again after signing in" : "")
        }
        let admin = user.row["roles"]?.arrayValue?.contains(.string("admin")) ?? false
        let active = user.row["is_disabled"] != .int(1)
        // Two-factor login carries over with its secret, or the user is not imported: an account
        // must not lose its second factor on the way.
        var sealedSecret: String?
        if let secret = user.twoFactorSecret {
            guard let secret, !secret.isEmpty, let sealed = try? vault.seal(Data(secret)) else {
                item.reason = "NPM has two-factor login on for it, but its secret cannot be read"
                return Step(item: item)
            }
            sealedSecret = sealed
            item.note = "two-factor login carries over: the same authenticator, and NPM's unused backup codes"
        }
        let backupCodes = (user.authMeta?["backup_codes"]?.arrayValue ?? []).compactMap(\.stringValue).filter(Secrets.isPasswordHash)
        item.name = email
        let planned = item, secret = sealedSecret, codes = sealedSecret == nil ? [] : backupCodes
        return Step(item: planned) { db, _, _, actor in
            var item = planned
            if let existing = try UserRepository.find(db, email: email.lowercased()) {
                item.action = .exists
                item.resourceID = existing.id
                item.note = nil
                return item
            }
            let id = try UserRepository.insert(db, email: email, name: name, passwordHash: hash, role: admin ? .admin : .viewer, active: active)
            if let secret {
                try TwoFactorStore.setPending(db, userID: id, sealedSecret: secret)
                try TwoFactorStore.enable(db, userID: id, step: 0)
                try TwoFactorStore.replaceBackupCodes(db, userID: id, hashes: codes)
            }
            try AuditLog.record(
                db, actor, action: "import", resourceType: "user", resourceID: id,
                details: ["role": admin ? "admin" : "viewer", "two_factor": secret != nil])
            item.action = .create
            item.resourceID = id
            return item
        }
    }

    private func certificateStep(_ certificate: NPMInstallation.Certificate, _ validation: ValidationContext) async -> Step {
        let row = certificate.row
        var item = NPMImportReport.Item(kind: "certificate", npmID: Self.id(row), name: Self.text(row["nice_name"]), action: .refused)
        if item.name.isEmpty { item.name = Self.domains(row["domain_names"]) }
        if certificate.awaitingUpload {
            item.note =
                "NPM's API does not give out an uploaded certificate's key: upload its files here (Certificates → Upload); hosts using it are imported disabled until then"
            let body: JSON = [
                "provider": "other", "nice_name": .string(item.name), "awaiting_upload": true, "domain_names": row["domain_names"] ?? [],
            ]
            return await resourceStep(
                CertificateKind.self, item: item, body: body, registers: true, validation: validation, identifiedBy: "name"
            ) { payload in
                "named \(Self.text(payload["nice_name"]))"
            }
        }
        let files: (certificate: String, key: String)
        switch certificate.files {
        case .success(let pair): files = pair
        case .failure(let refusal):
            item.reason = refusal.reason
            return Step(item: item)
        }
        var body: JSON = [
            "provider": "other", "nice_name": .string(item.name), "certificate": .string(files.certificate), "certificate_key": .string(files.key),
        ]
        if row["provider"] == "letsencrypt" {
            if (row["domain_names"]?.arrayValue ?? []).contains(where: { $0.stringValue?.hasPrefix("*") ?? false }) {
                item.note =
                    "certbot obtained it for NPM: it is imported with its key and served as it is until it expires; a wildcard needs a DNS challenge, which Caddy does not do here, so upload a renewed one before then"
            } else {
                body["renew_with_acme"] = true
                item.note =
                    "certbot obtained it for NPM: it is imported with its key and served as it is, and \(CertificateRenewalHandoff.handoffDays) days before it expires Caddy takes over its renewal over ACME"
            }
        }
        return await resourceStep(
            CertificateKind.self, item: item, body: body, registers: true, validation: validation, identifiedBy: "chain"
        ) { payload in
            payload["certificate_pem"]?.stringValue
        }
    }

    private func accessListStep(_ list: NPMInstallation.AccessList, _ validation: ValidationContext) async -> Step {
        var item = NPMImportReport.Item(kind: "access_list", npmID: Self.id(list.row), name: Self.text(list.row["name"]), action: .refused)
        var users = list.users.map { JSON.object(NPMDatabaseRow.members(of: $0, ["username", "password"])) }
        if list.passwordsUnreadable, !users.isEmpty {
            // Closed, not open: nobody passes the prompt until an admin sets the passwords.
            for index in users.indices { users[index]["password"] = .string(Secrets.password(length: 32)) }
            item.note =
                "NPM's API does not give out basic-auth passwords: set each user's password here (Access lists → Edit); until then nobody passes its prompt"
        }
        let npm: JSON = .object(
            NPMDatabaseRow.members(of: list.row, ["name", "satisfy_any", "pass_auth"])
                + [
                    ("items", .array(users)),
                    ("clients", .array(list.clients.map { .object(NPMDatabaseRow.members(of: $0, ["address", "directive"])) })),
                ])
        let body: JSON
        do {
            body = try NPMShapes.body(NPMAccessList.self, from: npm)
        } catch {
            return Self.refused(item, "\(error.field): \(error.message)")
        }
        return await resourceStep(AccessListKind.self, item: item, body: body, registers: true, validation: validation, identifiedBy: "name") {
            payload in
            payload["name"]?.stringValue
        }
    }

    private func hostStep<Shape: NPMShape>(_ shape: Shape.Type, _ row: JSON, _ validation: ValidationContext) async -> Step {
        let isStream = Shape.Kind.type == StreamHostKind.type
        let name = isStream ? "port \(Self.text(row["incoming_port"]))" : Self.domains(row["domain_names"])
        var item = NPMImportReport.Item(kind: Shape.Kind.type, npmID: Self.id(row), name: name, action: .refused)
        let translated: (body: JSON, changes: [(field: String, detail: String)])
        do {
            translated = try NPMDatabaseRow.translated(shape, row)
        } catch {
            return Self.refused(item, error.reason)
        }
        item.changes = translated.changes
        return await resourceStep(
            Shape.Kind.self, item: item, body: translated.body, registers: false, validation: validation,
            identifiedBy: isStream ? "port" : "domains"
        ) { payload in
            isStream
                ? "\(Self.text(payload["incoming_port"]))/\(payload["tcp_forwarding"] == true)/\(payload["udp_forwarding"] == true)"
                : payload["domain_names"]?.arrayValue.map { names in names.compactMap(\.stringValue).sorted().joined(separator: ",") }
        }
    }

    /// An item of a resource kind: validated now; stored later unless one like it (the same
    /// `identity`, named `identityName`) is here already, with its references to access lists and
    /// certificates set to what those became. `registers`: other items refer to it by its NPM id.
    private func resourceStep<Kind: ResourceKind>(
        _ kind: Kind.Type, item: NPMImportReport.Item, body: JSON, registers: Bool, validation: ValidationContext, identifiedBy identityName: String,
        identity: @escaping @Sendable (JSON) -> String?
    ) async -> Step {
        let service = ResourceService<Kind>(store: store, onChange: onChange)
        let prepared: ResourceService<Kind>.Prepared
        let payload: JSON
        do {
            prepared = try await service.prepare(body, validation: validation)
            payload = try JSONValueEncoder().encode(prepared.payload)
        } catch {
            return Self.refused(item, Self.reason(error))
        }
        let references: [(member: String, kind: String, npmID: Int)] = Kind.references(prepared.payload).map { reference in
            (reference.field, reference.type, Int(reference.id))
        }
        let key = identity(payload)
        // What holds nothing on a server (certificates, access lists) is found on any server.
        let onAnyServer = Kind.claims(prepared.payload).isEmpty
        return Step(item: item) { db, ids, serverID, actor in
            var item = item
            // What is here already, read once per import and kind of identity.
            let known = "\(Kind.type) by \(identityName)"
            if ids.existing[known] == nil {
                let stored =
                    onAnyServer
                    ? try ResourceRepository.payloads(db, type: Kind.type) : try ResourceRepository.payloads(db, type: Kind.type, serverID: serverID)
                var byIdentity: [String: (id: Int64, awaitingUpload: Bool)] = [:]
                for (id, data) in stored {
                    let payload = try JSONParser.parse(Array(data.utf8))
                    if let identity = identity(payload), byIdentity[identity] == nil {
                        byIdentity[identity] = (id, payload["awaiting_upload"] == true)
                    }
                }
                ids.existing[known] = byIdentity
            }
            if let key, let found = ids.existing[known]?[key] {
                if registers { ids.byKind[Kind.type, default: [:]][item.npmID] = found.id }
                if found.awaitingUpload { ids.awaitingUpload.insert(found.id) }
                item.action = .exists
                item.resourceID = found.id
                item.changes = []
                item.note = nil
                return item
            }
            var mapped: [String: Int64] = [:]
            for reference in references {
                guard let id = ids.byKind[reference.kind]?[reference.npmID] else {
                    item.reason = "its \(reference.kind.replacingOccurrences(of: "_", with: " ")) \(reference.npmID) is not imported"
                    return item
                }
                mapped[reference.member] = id
                if ids.awaitingUpload.contains(id) {
                    item.changes.append(
                        (
                            reference.member,
                            "its certificate awaits the upload of its files (NPM's API does not give out its key): upload them, then enable this host"
                        ))
                }
            }
            try db.execute("SAVEPOINT npm_import_item")
            do {
                var ready = prepared
                if !item.changes.isEmpty { ready.enabled = false }
                let id = try service.insert(ready, serverID: serverID, references: mapped, actor: actor, action: "import", in: db)
                try db.execute("RELEASE npm_import_item")
                if registers { ids.byKind[Kind.type, default: [:]][item.npmID] = id }
                if payload["awaiting_upload"] == true { ids.awaitingUpload.insert(id) }
                if let key { ids.existing[known]?[key] = (id, payload["awaiting_upload"] == true) }
                item.action = item.changes.isEmpty ? .create : .createDisabled
                item.resourceID = id
            } catch let fault as StorageFault {
                throw fault
            } catch {
                try db.execute("ROLLBACK TO npm_import_item")
                try db.execute("RELEASE npm_import_item")
                item.reason = Self.reason(error)
            }
            return item
        }
    }

    // MARK: - Helpers

    private static func refused(_ item: NPMImportReport.Item, _ reason: String) -> Step {
        var item = item
        item.reason = reason
        return Step(item: item)
    }

    private static func reason(_ error: any Error) -> String {
        switch error {
        case let failure as ValidationFailure: "\(failure.field): \(failure.message)"
        case let error as DomainError: error.apiError.field.map { "\($0): \(error.apiError.message)" } ?? error.apiError.message
        case let error as APIError: error.field.map { "\($0): \(error.message)" } ?? error.message
        default: "\(error)"
        }
    }

    private static func id(_ row: JSON) -> Int {
        if case .int(let id)? = row["id"] { id } else { 0 }
    }

    private static func text(_ value: JSON?) -> String {
        switch value {
        case .string(let text)?: String(FieldRules.printable(text).prefix(200))
        case .int(let number)?: String(number)
        default: ""
        }
    }

    private static func domains(_ value: JSON?) -> String {
        String((value?.arrayValue ?? []).compactMap(\.stringValue).map { FieldRules.printable($0) }.joined(separator: ", ").prefix(300))
    }
}
