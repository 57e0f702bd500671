import Crypto
import Foundation

/// Ed25519 signatures over plugin files: with the `plugin_signing_key` setting set, an upload
/// must carry a signature (base64, header `X-Plugin-Signature`) that verifies with that key, and
/// the controller passes it on to agents, which check it again with the same key.
enum PluginSigning {
    static func verify(_ bytes: [UInt8], signature: String?, publicKey: String) throws {
        guard let keyBytes = Data(base64Encoded: publicKey), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes) else {
            throw DomainError.unavailable(code: "plugin_signing_key", "the plugin_signing_key setting is not an Ed25519 public key")
        }
        guard let signature, let signatureBytes = Data(base64Encoded: signature), signatureBytes.count == 64 else {
            throw DomainError.invalid(
                ValidationFailure(
                    "X-Plugin-Signature", "is required: the base64 Ed25519 signature over the file, made with the signing key's private half"))
        }
        guard key.isValidSignature(signatureBytes, for: Data(bytes)) else {
            throw DomainError.invalid(ValidationFailure("X-Plugin-Signature", "does not verify with the plugin_signing_key setting; refused"))
        }
    }
}
