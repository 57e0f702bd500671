import Host
import JSONCore
import Testing

@testable import PosternProxyAgent

/// The state an agent keeps while it changes: a patch changes it where it lies, and what the
/// patch makes, with its digest, is what the controller's state is.
struct ChangingDocumentTests {
    private func document(hosts: Int) -> [UInt8] {
        Array(("{\"proxy_hosts\":[" + (1...hosts).map { "{\"id\":\($0),\"domain_names\":[\"h\($0).test\"]}" }.joined(separator: ",") + "]}").utf8)
    }

    private func patch(from base: [UInt8], to state: [UInt8]) throws -> DesiredStatePatch {
        try #require(
            DesiredStatePatch.between(base: base, baseHash: SHA256Digest.of(base), state: state, revision: 2, hash: SHA256Digest.of(state)))
    }

    @Test func aPatchChangesTheKeptStateInItsOwnMemory() throws {
        let base = document(hosts: 2000)
        let state = document(hosts: 2001)
        var kept: ChangingDocument? = ChangingDocument(base, digest: nil)
        let memory = kept!.document.withUnsafeBufferPointer { $0.baseAddress }
        let patched = try #require(ChangingDocument.patched(by: try patch(from: base, to: state), taking: &kept, orStored: { nil }))
        #expect(patched.state == state)
        #expect(patched.digest.hex == SHA256Digest.of(state))
        #expect(patched.state.withUnsafeBufferPointer { $0.baseAddress } == memory, "the kept state was copied before the patch")
        #expect(kept == nil, "the kept state is given up to the patched one")
    }

    @Test func withoutAKeptStateThePatchAppliesToTheStoredOne() throws {
        let base = document(hosts: 300)
        let state = document(hosts: 299)
        var kept: ChangingDocument?
        let patched = try #require(ChangingDocument.patched(by: try patch(from: base, to: state), taking: &kept, orStored: { base }))
        #expect(patched.state == state)
        #expect(patched.digest.hex == SHA256Digest.of(state))
    }

    @Test func aPatchOfAnotherBaseMakesNothingAndTheKeptStateIsGivenUp() throws {
        let base = document(hosts: 300)
        var kept: ChangingDocument? = ChangingDocument(document(hosts: 10), digest: nil)
        let patched = ChangingDocument.patched(by: try patch(from: base, to: document(hosts: 301)), taking: &kept, orStored: { nil })
        #expect(patched == nil)
        #expect(kept == nil)
    }
}
