import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238, as every authenticator app computes them):
/// HMAC-SHA1 of the 30-second step counter, 6 digits. A code is accepted for the step before
/// and after the current one (clocks drift), and never for a step at or before the last one
/// accepted, so a code seen once cannot be replayed.
enum TOTP {
    static let period: TimeInterval = 30
    static let digits = 6

    /// A new 160-bit secret (RFC 4226's recommended length).
    static func newSecret() -> [UInt8] {
        SymmetricKey(size: .init(bitCount: 160)).withUnsafeBytes { Array($0) }
    }

    static func step(at date: Date) -> Int64 { Int64((date.timeIntervalSince1970 / period).rounded(.down)) }

    /// The code for `step`, zero-padded to six digits.
    static func code(secret: [UInt8], step: Int64) -> String {
        var counter = UInt64(bitPattern: step).bigEndian
        let message = withUnsafeBytes(of: &counter) { Data($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let truncated =
            (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        let value = truncated % 1_000_000
        let text = String(value)
        return String(repeating: "0", count: digits - text.count) + text
    }

    /// The step `code` belongs to, if it is valid now and newer than `lastAccepted`.
    static func accept(_ code: String, secret: [UInt8], now: Date = Date(), lastAccepted: Int64?) -> Int64? {
        let typed = code.filter { !$0.isWhitespace }
        guard typed.count == digits, typed.allSatisfy(\.isASCIIDigit) else { return nil }
        let current = step(at: now)
        for candidate in [current - 1, current, current + 1] where candidate > (lastAccepted ?? .min) {
            let expected = Self.code(secret: secret, step: candidate)
            // Constant time: compare every byte whatever the first difference.
            if zip(expected.utf8, typed.utf8).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 { return candidate }
        }
        return nil
    }

    /// The `otpauth://` URI authenticator apps read from the QR code.
    static func provisioningURI(secret: [UInt8], account: String, issuer: String = "PosternProxy") -> String {
        func escape(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
        }
        return
            "otpauth://totp/\(escape(issuer)):\(escape(account))?secret=\(Base32.encode(secret))&issuer=\(escape(issuer))&algorithm=SHA1&digits=\(digits)&period=\(Int(period))"
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

/// RFC 4648 base32 without padding: how authenticator apps take a secret typed by hand.
enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var buffer = 0, bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return String(decoding: output, as: UTF8.self)
    }

    /// Nil when `text` holds anything but base32 letters (case, spaces and padding ignored).
    static func decode(_ text: String) -> [UInt8]? {
        var output: [UInt8] = []
        var buffer = 0, bits = 0
        for character in text.uppercased().utf8 where character != UInt8(ascii: " ") && character != UInt8(ascii: "=") {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = (buffer << 5) | value
            bits += 5
            if bits >= 8 {
                output.append(UInt8((buffer >> (bits - 8)) & 0xFF))
                bits -= 8
            }
            buffer &= 0xFFFF
        }
        return output
    }
}
