import CaddyL4Rendering
import Testing

/// How large a state the Caddy step keeps: small ones always, larger ones while they change and
/// for the hold after their last change, none beyond the larger bound.
struct StateKeepingTests {
    let small = [UInt8](repeating: UInt8(ascii: "a"), count: 1024)
    let large = [UInt8](repeating: UInt8(ascii: "b"), count: 8 * 1024)
    let other = [UInt8](repeating: UInt8(ascii: "c"), count: 8 * 1024)

    func limit(_ keeping: StateKeeping, _ input: [UInt8], at now: ContinuousClock.Instant) -> Int {
        keeping.limit(for: input, alwaysKiB: 2, whileChangingKiB: 16, seconds: 60, now: now)
    }

    @Test func aStateIsKeptWhileItChangesAndLetGoAfterTheHold() {
        let keeping = StateKeeping()
        let start = ContinuousClock.now
        #expect(limit(keeping, small, at: start) == 2048)
        #expect(limit(keeping, large, at: start) == 16 * 1024, "a state seen for the first time has just changed")
        #expect(limit(keeping, large, at: start + .seconds(59)) == 16 * 1024)
        #expect(limit(keeping, large, at: start + .seconds(61)) == 2048, "the same state after the hold is let go")
        #expect(limit(keeping, other, at: start + .seconds(62)) == 16 * 1024, "a change keeps it again")
        #expect(limit(keeping, other, at: start + .seconds(100)) == 16 * 1024)
        #expect(limit(keeping, other, at: start + .seconds(123)) == 2048)
        #expect(limit(keeping, large, at: start + .seconds(124)) == 16 * 1024)
        #expect(limit(keeping, [UInt8](repeating: 0x20, count: 17 * 1024), at: start + .seconds(125)) == 2048, "beyond the larger bound")
    }

    @Test func withoutTheLargerBoundOnlySmallStatesAreKept() {
        let keeping = StateKeeping()
        #expect(keeping.limit(for: large, alwaysKiB: 2, whileChangingKiB: 0, seconds: 900) == 2048)
        #expect(keeping.limit(for: large, alwaysKiB: 16, whileChangingKiB: 0, seconds: 900) == 16 * 1024)
    }
}
