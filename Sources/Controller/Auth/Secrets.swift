import Crypto
import Foundation
import HummingbirdBcrypt
import NIOPosix

/// Passwords, tokens and their hashes.
enum Secrets {
    /// bcrypt cost for passwords.
    static let passwordCost: UInt8 = 12

    /// bcrypt takes a quarter of a second of CPU at cost 12: request handlers hash and verify on
    /// NIO's thread pool, never on the cooperative pool that serves every other request.
    static func hashPassword(_ password: String) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: passwordCost) }
    }

    /// Checks `password` against a bcrypt hash, on NIO's thread pool; takes the same time
    /// whatever the mismatch.
    static func verifyPassword(_ password: String, hash: String, on pool: NIOThreadPool = .singleton) async throws -> Bool {
        try await pool.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// The same, blocking: for work that is not a request (the first start) and for validation
    /// that runs synchronously (access-list users).
    static func hashPasswordBlocking(_ password: String) -> String {
        Bcrypt.hash(password, cost: passwordCost)
    }

    /// Whether `hash` has the shape of a bcrypt hash (`$2a$`/`$2b$`/`$2y$`, cost 04-31, 53
    /// characters of salt and digest): what a restored backup may carry for a password.
    static func isPasswordHash(_ hash: String) -> Bool {
        let bytes = Array(hash.utf8)
        guard bytes.count == 60, hash.hasPrefix("$2"), [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(bytes[2]),
            bytes[3] == UInt8(ascii: "$"),
            let cost = Int(String(decoding: bytes[4..<6], as: UTF8.self)), (4...31).contains(cost), bytes[6] == UInt8(ascii: "$")
        else { return false }
        let alphabet = Set("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
        return bytes[7...].allSatisfy(alphabet.contains)
    }

    /// A new random secret, `prefix` + 43 base64url characters (256 bits).
    static func token(prefix: String) -> String {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return prefix
            + bytes.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// SHA-256 hex of a random token. Tokens carry 256 random bits, so a fast hash is enough to
    /// keep a stolen database from yielding usable tokens, and lookups stay cheap per request.
    static func tokenHash(_ token: String) -> String {
        hex(SHA256.hash(data: Data(token.utf8)))
    }

    /// `bytes` as lower-case hex digits.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
    }

    /// Whether two texts are equal, in a time that depends on their length only (not on where
    /// they first differ), for comparing a presented secret with the expected one.
    static func constantTimeEquals(_ presented: String, _ expected: String) -> Bool {
        let a = Array(presented.utf8), b = Array(expected.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// A random password of `length` letters and digits, for the first admin.
    static func password(length: Int) -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
