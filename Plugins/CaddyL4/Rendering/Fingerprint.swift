/// A 64-bit hash of bytes, to tell one text from another (not a security hash). FNV-1a's step
/// taken eight bytes at a time, folded after each multiply so every byte reaches the low bits:
/// a tenth of a byte-wise FNV's time on a config or a state of several megabytes.
public enum Fingerprint {
    public static func of(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { of($0) }
    }

    public static func of(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        let prime: UInt64 = 0x0000_0100_0000_01B3
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var offset = 0
        while offset + 8 <= raw.count {
            hash = (hash ^ UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))) &* prime
            hash ^= hash >> 32
            offset += 8
        }
        for byte in raw[offset...] { hash = (hash ^ UInt64(byte)) &* prime }
        return hash
    }
}
