@_implementationOnly import CNIOBoringSSL
import Host

/// SHA-256 through the BoringSSL the agent already links for TLS (the agent takes in no
/// Foundation and no other crypto library). A value: a copy carries on from where it was taken.
struct SHA256Digest: StreamingDigest {
    private var context = SHA256_CTX()

    init() { SHA256_Init(&context) }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let start = bytes.baseAddress, !bytes.isEmpty else { return }
        SHA256_Update(&context, start, bytes.count)
    }

    func hex() -> String {
        var finishing = context
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        SHA256_Final(&digest, &finishing)
        let hex = Array("0123456789abcdef".utf8)
        return String(decoding: digest.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 0x0f)]] }, as: UTF8.self)
    }

    /// Lower-case hex SHA-256 of `bytes`.
    static func of(_ bytes: [UInt8]) -> String {
        var digest = SHA256Digest()
        bytes.withUnsafeBytes { digest.update($0) }
        return digest.hex()
    }
}
