@_implementationOnly import CNIOBoringSSL
import Host

/// Checks a catalog plugin's bytes before they are stored: their SHA-256 must be the one the
/// desired state names, and, when the admin set a signing key (`POSTERNPROXY_PLUGIN_SIGNING_KEY`,
/// a base64 Ed25519 public key), the controller's signature over them must verify. Uses the
/// BoringSSL the agent already links for TLS, so the agent takes in no Foundation.
enum PluginIntegrity {
    /// Nil when `file` may be stored; otherwise why not.
    static func problem(with file: ControllerMessage.PluginFile, expected sha256: String, signingKey: [UInt8]?) -> String? {
        if let error = file.error { return "the controller did not send plugin \(sha256): \(error)" }
        let actual = SHA256Digest.of(file.bytes)
        guard actual == sha256 else { return "the bytes received for plugin \(sha256) have SHA-256 \(actual); refused" }
        guard let signingKey else { return nil }
        guard let text = file.signature, let signature = Base64.decode(text), signature.count == 64 else {
            return "plugin \(sha256) has no Ed25519 signature, and this agent requires one (POSTERNPROXY_PLUGIN_SIGNING_KEY)"
        }
        let valid = file.bytes.withUnsafeBufferPointer { message in
            ED25519_verify(message.baseAddress, message.count, signature, signingKey) == 1
        }
        return valid ? nil : "plugin \(sha256)'s signature does not verify with this agent's signing key; refused"
    }
}
