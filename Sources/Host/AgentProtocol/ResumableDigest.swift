/// A hash function that reads its input in pieces and whose state is a value: a copy carries on
/// from where the original stood. SHA-256 on each side of the agent protocol (swift-crypto on
/// the controller, BoringSSL on the agent).
public protocol StreamingDigest: Sendable {
    init()
    mutating func update(_ bytes: UnsafeRawBufferPointer)
    /// The digest of everything read so far, as lower-case hex; leaves this state as it is.
    func hex() -> String
}

/// The digest of a document that changes in place, kept so that the digest of the next version
/// reads only from the first changed byte on: the hash's state is kept at every ``stride``
/// bytes, and a new version resumes from the last state kept before its first changed byte.
///
/// A new proxy host at the end of a 7 MB desired state is hashed from the last stride before it
/// (some 64 KB) instead of from the start; a change to the first host still reads everything.
/// The result is always the digest of the whole new document, as a fresh hash gives it.
public struct ResumableDigest<Digest: StreamingDigest>: Sendable {
    /// How far apart the kept states are.
    public static var stride: Int { 64 << 10 }

    /// `states[i]`: the hash after the first `i × stride` bytes of the document.
    private var states: [Digest]
    /// The digest of the whole document, as lower-case hex.
    public let hex: String
    /// The length of the document it is the digest of.
    public let length: Int

    /// The digest of `document`, read whole.
    public init(of document: [UInt8]) {
        self.init(of: document, resumingFrom: [Digest()])
    }

    /// The digest of `document`, whose first `unchanged` bytes are those of the document this
    /// digest was taken of (the caller compared them); only the bytes from the last kept state
    /// at or before `unchanged` are read.
    public func updated(to document: [UInt8], unchangedUpTo unchanged: Int) -> ResumableDigest {
        let usable = min(unchanged, length, document.count) / Self.stride + 1
        return ResumableDigest(of: document, resumingFrom: Array(states.prefix(usable)))
    }

    /// Reads `document` from `kept.count - 1` strides on, keeping a state at each stride.
    private init(of document: [UInt8], resumingFrom kept: [Digest]) {
        var states = kept
        states.reserveCapacity(document.count / Self.stride + 1)
        var digest = states[states.count - 1]
        var offset = (states.count - 1) * Self.stride
        document.withUnsafeBytes { bytes in
            while offset + Self.stride <= bytes.count {
                digest.update(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + Self.stride)]))
                offset += Self.stride
                states.append(digest)
            }
            digest.update(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
        }
        self.states = states
        self.hex = digest.hex()
        self.length = document.count
    }
}
