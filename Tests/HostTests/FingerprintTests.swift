import CaddyL4Rendering
import Testing

/// The hash that tells one config or state from another: the same bytes give the same value,
/// and flipping any one bit, at any place and length (in every lane, in the words past the last
/// 32-byte block and in the last bytes), or words trading places between lanes, gives another.
struct FingerprintTests {
    @Test func everyOneBitChangeAndEveryLaneSwapGivesAnotherValue() {
        var seed: UInt64 = 15
        let texts: [[UInt8]] = [
            (0..<140).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) },
            (0..<140).map { _ in
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: seed >> 56)
            },
        ]
        for text in texts {
            for length in 0...text.count {
                let prefix = Array(text.prefix(length))
                #expect(Fingerprint.of(prefix) == Fingerprint.of(Array(prefix)))
                var seen: Set<UInt64> = [Fingerprint.of(prefix)]
                for index in 0..<length {
                    for bit in 0..<8 {
                        var changed = prefix
                        changed[index] ^= 1 << bit
                        seen.insert(Fingerprint.of(changed))
                    }
                }
                #expect(seen.count == length * 8 + 1, "a one-bit change went unseen at length \(length)")
            }
            var swapped = text
            swapped.replaceSubrange(0..<16, with: text[8..<16] + text[0..<8])
            #expect(Fingerprint.of(swapped) != Fingerprint.of(text))
            #expect(Fingerprint.of(text) != Fingerprint.of(text + [0]))
        }
    }
}
