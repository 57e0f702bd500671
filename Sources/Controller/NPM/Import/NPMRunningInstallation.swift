import Foundation
import JSONCore

extension NPMInstallation {
    /// Reads a running NPM through its own API, signed in as an admin: whatever database NPM
    /// uses, its API gives the same rows. NPM's API gives out less than its data folder holds,
    /// and what it withholds comes over locked, never open:
    /// - users' passwords: each user comes over with a password nobody knows, to be set by an
    ///   admin, except the admin who signed in, whose password is the one given (unless NPM has
    ///   two-factor login on for the account: no account loses its second factor on the way);
    /// - access lists' basic-auth passwords (NPM blanks them): their users come over with
    ///   passwords nobody knows, so the hosts behind them stay closed until an admin sets them;
    /// - uploaded certificates' keys: they come over awaiting the upload of their files, and the
    ///   hosts using them disabled until then. certbot's certificates come over with their keys,
    ///   through NPM's download of them.
    static func read(running npm: NPMAPIClient, signedInWith password: String) async throws -> NPMInstallation {
        var installation = NPMInstallation()
        installation.proxyHosts = try await rows(npm, "/api/nginx/proxy-hosts")
        installation.redirectionHosts = try await rows(npm, "/api/nginx/redirection-hosts")
        installation.deadHosts = try await rows(npm, "/api/nginx/dead-hosts")
        installation.streams = try await rows(npm, "/api/nginx/streams")
        installation.accessLists = try await rows(npm, "/api/nginx/access-lists?expand=items,clients").map { list in
            AccessList(
                row: list, users: list["items"]?.arrayValue ?? [], clients: list["clients"]?.arrayValue ?? [], passwordsUnreadable: true)
        }
        let me = try await npm.get("/api/users/me")
        for user in try await rows(npm, "/api/users") {
            let id = Self.id(user)
            let twoFactor = try await twoFactorIsOn(npm, userID: id)
            var imported = User(row: user, password: .unreadable, authMeta: nil)
            if id == Self.id(me), twoFactor == false {
                imported.password = .bcrypt(try await Secrets.hashPassword(password))
            }
            imported.twoFactorWithheld = twoFactor == true
            installation.users.append(imported)
        }
        for row in try await rows(npm, "/api/nginx/certificates") {
            var certificate = Certificate(row: row, files: .failure(NPMImportRefusal("its provider is neither letsencrypt nor other")))
            switch row["provider"]?.stringValue {
            case "letsencrypt":
                let download = try await npm.getIfPresent("/api/nginx/certificates/\(Self.id(row))/download")
                certificate.files =
                    download.status == 200
                    ? NPMCertificateArchive.pair(download.bytes)
                    : .failure(NPMImportRefusal("NPM did not give out its files (HTTP \(download.status)): certbot's folder for it is missing"))
            case "other":
                certificate.awaitingUpload = true
            default:
                break
            }
            installation.certificates.append(certificate)
        }
        return installation
    }

    /// The items of one of NPM's lists (NPM answers a bare array).
    private static func rows(_ npm: NPMAPIClient, _ path: String) async throws -> [JSON] {
        guard let rows = try await npm.get(path).arrayValue else {
            throw ValidationFailure("url", "\(path) did not answer a list, as Nginx Proxy Manager does")
        }
        return rows
    }

    /// Whether NPM has two-factor login on for the user; nil when this NPM predates it.
    private static func twoFactorIsOn(_ npm: NPMAPIClient, userID: Int) async throws -> Bool? {
        let answer = try await npm.getIfPresent("/api/users/\(userID)/2fa")
        guard answer.status == 200, let status = try? JSONParser.parse(answer.bytes) else { return nil }
        return status["enabled"] == true
    }

    private static func id(_ row: JSON) -> Int {
        if case .int(let id)? = row["id"] { id } else { 0 }
    }
}
