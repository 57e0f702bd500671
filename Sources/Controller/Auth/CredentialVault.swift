import Crypto
import Foundation

/// Seals with AES-256-GCM the secrets the controller must read back: SSH credentials an admin
/// asked to keep and users' two-factor secrets. The key lives in the data folder
/// (`credentials.key`, mode 0600), apart from the database, so a copied database (or backup)
/// alone does not reveal them.
struct CredentialVault: Sendable {
    private let key: SymmetricKey

    init(dataDirectory: String) throws {
        let path = (dataDirectory as NSString).appendingPathComponent("credentials.key")
        if let data = FileManager.default.contents(atPath: path), data.count == 32 {
            key = SymmetricKey(data: data)
        } else {
            let fresh = SymmetricKey(size: .bits256)
            let bytes = fresh.withUnsafeBytes { Data($0) }
            guard FileManager.default.createFile(atPath: path, contents: bytes, attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteNoPermission)
            }
            key = fresh
        }
    }

    func seal(_ plaintext: Data) throws -> String {
        guard let combined = try AES.GCM.seal(plaintext, using: key).combined else { throw CocoaError(.coderInvalidValue) }
        return combined.base64EncodedString()
    }

    func open(_ sealed: String) throws -> Data {
        guard let data = Data(base64Encoded: sealed) else { throw CocoaError(.coderInvalidValue) }
        return try AES.GCM.open(AES.GCM.SealedBox(combined: data), using: key)
    }
}
