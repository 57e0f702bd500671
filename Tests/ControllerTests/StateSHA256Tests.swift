import Crypto
import Host
import JSONCore
import TestSupport
import Testing

@testable import Controller

/// The hash the controller sends with a state to an agent that takes patches: resumed from
/// where the state changed, it is the SHA-256 of the whole state.
struct StateSHA256Tests {
    @Test func aStateChangedInOnePlaceIsHashedWhole() {
        var random = SeededGenerator(seed: 15)
        var state = (0..<300_000).map { _ in UInt8.random(in: 32...126, using: &random) }
        var digest = ResumableDigest<StateSHA256>(of: state)
        #expect(digest.hex == Secrets.hex(SHA256.hash(data: state)))
        for round in 0..<20 {
            var changed = state
            let start = Int.random(in: 0...changed.count, using: &random)
            let end = min(changed.count, start + Int.random(in: 0...2_000, using: &random))
            changed.replaceSubrange(start..<end, with: (0..<Int.random(in: 0...2_000, using: &random)).map { _ in UInt8(ascii: "x") })
            digest = digest.updated(to: changed, unchangedUpTo: CommonBytes.prefix(state, changed))
            #expect(digest.hex == Secrets.hex(SHA256.hash(data: changed)), "round \(round)")
            state = changed
        }
    }
}
