@_implementationOnly import CNIOBoringSSL

/// SHA-256 through the BoringSSL the agent already links for TLS (the agent takes in no
/// Foundation and no other crypto library).
enum SHA256Hex {
    /// Lower-case hex SHA-256 of `bytes`.
    static func of(_ bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        bytes.withUnsafeBufferPointer { _ = SHA256($0.baseAddress, $0.count, &digest) }
        let hex = Array("0123456789abcdef".utf8)
        return String(decoding: digest.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 0x0f)]] }, as: UTF8.self)
    }
}
