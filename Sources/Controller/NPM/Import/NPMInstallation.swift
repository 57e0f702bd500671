import Foundation
import JSONCore

/// What an Nginx Proxy Manager installation holds, as read from its data folder: the rows of its
/// database (``NPMDatabase``) and the PEM files of its certificates. Read only: the database is
/// copied first and the copy opened read-only, and certificate files are only read.
struct NPMInstallation: Sendable {
    var proxyHosts: [JSON] = []
    var redirectionHosts: [JSON] = []
    var deadHosts: [JSON] = []
    var streams: [JSON] = []
    var accessLists: [AccessList] = []
    var users: [User] = []
    var certificates: [Certificate] = []

    struct AccessList: Sendable {
        var row: JSON
        /// `access_list_auth` rows: `username` and `password` (NPM keeps it as typed).
        var users: [JSON]
        /// `access_list_client` rows: `address` and `directive`, in NPM's order.
        var clients: [JSON]
        /// Read through NPM's API, which blanks every password: the users come over with
        /// passwords nobody knows until an admin sets them.
        var passwordsUnreadable = false
    }

    struct User: Sendable {
        var row: JSON
        var password: Password
        /// The bcrypt hash of the `auth` row of type `password` (nil when there is none), or
        /// `.unreadable` through NPM's API.
        enum Password: Sendable {
            case bcrypt(String?)
            case unreadable
        }
        /// The `auth` row's `meta`: NPM keeps two-factor login there (`totp_enabled`,
        /// `totp_secret` in base32, `backup_codes` as bcrypt hashes).
        var authMeta: JSON?

        /// NPM has two-factor login on for the user, and its API does not give out the secret.
        var twoFactorWithheld = false

        /// The TOTP secret when NPM has two-factor login on for the user (`.some(nil)` when it is
        /// on but the secret is unreadable); nil when it is off.
        var twoFactorSecret: [UInt8]?? {
            guard authMeta?["totp_enabled"] == true else { return nil }
            return .some(authMeta?["totp_secret"]?.stringValue.flatMap(Base32.decode))
        }
    }

    struct Certificate: Sendable {
        var row: JSON
        /// The chain and key read from its folder or NPM's download, or why they could not be.
        var files: Result<(certificate: String, key: String), NPMImportRefusal>
        /// An uploaded certificate read through NPM's API, which never gives out its key: it
        /// comes over awaiting the upload of its files.
        var awaitingUpload = false
    }

    /// Reads the data folder `path`: `database.sqlite`, `custom_ssl/npm-<id>/` and
    /// `letsencrypt/live/npm-<id>/` (as NPM's Docker volumes lay them out).
    static func read(dataFolder path: String) throws -> NPMInstallation {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
            throw DomainError.invalid(ValidationFailure("data_folder", "\(FieldRules.printable(path)) is not a folder on the controller's machine"))
        }
        let database = (path as NSString).appendingPathComponent("database.sqlite")
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: database), attributes[.type] as? FileAttributeType == .typeRegular
        else {
            throw DomainError.invalid(ValidationFailure("data_folder", "has no database.sqlite (a regular file) — NPM's SQLite database"))
        }
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("npm-import-\(UUID().uuidString).sqlite").path
        try FileManager.default.copyItem(atPath: database, toPath: copy)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        var installation = try SQLiteFile(path: copy).read { db in try read(db) }
        let files = NPMCertificateFiles(dataFolder: path)
        for index in installation.certificates.indices {
            installation.certificates[index].files = files.pair(for: installation.certificates[index].row)
        }
        return installation
    }

    /// The rows of NPM's database; certificate files are not read yet.
    static func read(_ db: any SQLConnection) throws -> NPMInstallation {
        var installation = NPMInstallation()
        installation.proxyHosts = try NPMDatabase.rows(db, table: "proxy_host")
        installation.redirectionHosts = try NPMDatabase.rows(db, table: "redirection_host")
        installation.deadHosts = try NPMDatabase.rows(db, table: "dead_host")
        installation.streams = try NPMDatabase.rows(db, table: "stream")
        let auth = try NPMDatabase.rows(db, table: "access_list_auth"), clients = try NPMDatabase.rows(db, table: "access_list_client")
        installation.accessLists = try NPMDatabase.rows(db, table: "access_list").map { list in
            AccessList(
                row: list, users: auth.filter { $0["access_list_id"] == list["id"] }, clients: clients.filter { $0["access_list_id"] == list["id"] })
        }
        let secrets = try NPMDatabase.rows(db, table: "auth").filter { $0["type"] == "password" }
        installation.users = try NPMDatabase.rows(db, table: "user").map { user in
            let auth = secrets.first { $0["user_id"] == user["id"] }
            return User(row: user, password: .bcrypt(auth?["secret"]?.stringValue), authMeta: auth?["meta"])
        }
        installation.certificates = try NPMDatabase.rows(db, table: "certificate").map {
            Certificate(row: $0, files: .failure(NPMImportRefusal("its files were not read")))
        }
        return installation
    }
}

/// Why one item of an NPM installation is not imported as it is.
struct NPMImportRefusal: Error, Sendable {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
