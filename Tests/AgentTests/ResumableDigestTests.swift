import Host
import JSONCore
import TestSupport
import Testing

@testable import PosternProxyAgent

/// The digest a patched state is checked with: resumed from where the state changed, it is the
/// SHA-256 of the whole new state, as a fresh hash gives it.
struct ResumableDigestTests {
    @Test func theAgentsSHA256IsSHA256() {
        #expect(SHA256Digest.of(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Digest.of([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    /// Forty versions of one document, each changed in one stretch (anywhere, on and around
    /// stride boundaries, growing and shrinking it): each resumed digest is a fresh one.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func aResumedDigestIsTheDigestOfTheWholeDocument(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let stride = ResumableDigest<SHA256Digest>.stride
        var document = (0..<(3 * stride + 77)).map { _ in UInt8.random(in: 0...255, using: &random) }
        var digest = ResumableDigest<SHA256Digest>(of: document)
        #expect(digest.hex == SHA256Digest.of(document))
        for round in 0..<40 {
            var changed = document
            let start =
                round % 4 == 0
                ? min(changed.count, stride * Int.random(in: 0...3, using: &random) + Int.random(in: -1...1, using: &random))
                : Int.random(in: 0...changed.count, using: &random)
            let end = min(changed.count, max(0, start) + Int.random(in: 0...(stride / 2), using: &random))
            let replacement = (0..<Int.random(in: 0...(stride / 2), using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            changed.replaceSubrange(max(0, start)..<end, with: replacement)
            digest = digest.updated(to: changed, unchangedUpTo: CommonBytes.prefix(document, changed))
            #expect(digest.hex == SHA256Digest.of(changed), "seed \(seed), round \(round)")
            #expect(digest.length == changed.count)
            document = changed
        }
    }

    /// Told that more is unchanged than is, it still hashes from a state kept before that
    /// point: a caller that compared the bytes gets the right digest, down to an empty document.
    @Test func aDocumentThatShrankToNothingIsHashedAfresh() {
        let digest = ResumableDigest<SHA256Digest>(of: [UInt8](repeating: 7, count: 200_000))
        #expect(digest.updated(to: [], unchangedUpTo: 0).hex == SHA256Digest.of([]))
        let shorter = [UInt8](repeating: 7, count: 131_072)
        #expect(digest.updated(to: shorter, unchangedUpTo: shorter.count).hex == SHA256Digest.of(shorter))
    }
}
