/// A 64-bit hash of bytes, to tell one text from another (not a security hash). FNV-1a's step
/// taken eight bytes at a time and folded after each multiply, in four lanes that take turns by
/// eight bytes: the lanes' multiplies do not wait for one another, so a config or a state of a
/// megabyte hashes in a third of one lane's time (0.07 against 0.23 ms here). Each lane is mixed
/// through a full avalanche before the lanes are combined, and the result once more: a lane's
/// last multiply alone leaves a change in a word's top bits in the top bits, where the same
/// change in another lane would cancel it.
public enum Fingerprint {
    public static func of(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { of($0) }
    }

    public static func of(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        // Distinct starting values: words that trade lanes change the hash.
        var lanes: (UInt64, UInt64, UInt64, UInt64) = (basis, basis ^ 1, basis ^ 2, basis ^ 3)
        var offset = 0
        while offset + 32 <= raw.count {
            lanes.0 = step(lanes.0, word(raw, offset))
            lanes.1 = step(lanes.1, word(raw, offset + 8))
            lanes.2 = step(lanes.2, word(raw, offset + 16))
            lanes.3 = step(lanes.3, word(raw, offset + 24))
            offset += 32
        }
        var hash = step(step(step(step(basis, avalanche(lanes.0)), avalanche(lanes.1)), avalanche(lanes.2)), avalanche(lanes.3))
        while offset + 8 <= raw.count {
            hash = step(hash, word(raw, offset))
            offset += 8
        }
        for byte in raw[offset...] { hash = (hash ^ UInt64(byte)) &* prime }
        return avalanche(hash)
    }

    private static let prime: UInt64 = 0x0000_0100_0000_01B3
    private static let basis: UInt64 = 0xcbf2_9ce4_8422_2325

    @inline(__always) private static func word(_ raw: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inline(__always) private static func step(_ hash: UInt64, _ word: UInt64) -> UInt64 {
        let mixed = (hash ^ word) &* prime
        return mixed ^ (mixed >> 32)
    }

    /// MurmurHash3's 64-bit finalizer: every input bit reaches every output bit.
    @inline(__always) private static func avalanche(_ value: UInt64) -> UInt64 {
        var mixed = value
        mixed = (mixed ^ (mixed >> 33)) &* 0xff51_afd7_ed55_8ccd
        mixed = (mixed ^ (mixed >> 33)) &* 0xc4ce_b9fe_1a85_ec53
        return mixed ^ (mixed >> 33)
    }
}
