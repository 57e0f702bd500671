import Crypto
import Host

/// SHA-256 as the controller hashes the desired states it sends agents, as a
/// ``StreamingDigest``: a value, so a copy carries on from where it was taken.
struct StateSHA256: StreamingDigest {
    private var hash = SHA256()

    init() {}

    mutating func update(_ bytes: UnsafeRawBufferPointer) { hash.update(bufferPointer: bytes) }

    func hex() -> String { Secrets.hex(hash.finalize()) }
}
