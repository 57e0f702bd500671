import Host
import JSONCore

/// A desired-state document with its SHA-256, kept so that the digest of the next document
/// reads only from where the two first differ: after a new host near the end of a state, from
/// the last 64 KiB stride before it, instead of the whole state (7 MB at 10,000 hosts, some
/// milliseconds of hashing).
struct HashedDocument: Sendable {
    let document: [UInt8]
    let digest: ResumableDigest<StateSHA256>

    /// `document` and its digest: resumed from `base`'s when given (their first `alike` bytes
    /// are equal, as ``alike(with:)`` finds), else read whole.
    init(_ document: [UInt8], base: HashedDocument?, alike: Int?) {
        self.document = document
        digest = base.map { $0.digest.updated(to: document, unchangedUpTo: alike ?? 0) } ?? ResumableDigest(of: document)
    }

    /// How many leading bytes `other` shares with this document.
    func alike(with other: [UInt8]) -> Int { CommonBytes.prefix(document, other) }
}
