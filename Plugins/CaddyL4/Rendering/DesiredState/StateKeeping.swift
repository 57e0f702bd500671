import Synchronization

/// How large a desired state the Caddy step's plan keeps between applies (``DesiredStateReader``
/// and the render memo: some twice the state's text in memory), so that the next plan decodes and
/// renders only what changed.
///
/// A state up to `keep_state_up_to_kib` is always kept. A larger one, up to
/// `keep_changing_state_up_to_kib`, is kept while it changes: from a plan that finds it differs
/// from the previous plan's until `keep_changing_state_seconds` pass without another change;
/// the first plan after that (a periodic re-apply) lets it go. An agent on a server of 10,000
/// hosts thus patches its state through a session of edits, and idles at the memory of an agent
/// that keeps nothing.
public final class StateKeeping: Sendable {
    /// The keeping of the process that loaded the plugin, beside ``DesiredStateReader/shared``.
    public static let shared = StateKeeping()

    public init() {}

    /// The previous plan's state (its fingerprint) and when a plan last found it changed.
    private let last = Mutex<(fingerprint: UInt64, changedAt: ContinuousClock.Instant)?>(nil)

    /// Up to what size, in bytes, the plan of `input` keeps it: `alwaysKiB`, or `whileChangingKiB`
    /// for a state above that which changed less than `seconds` ago.
    public func limit(
        for input: [UInt8], alwaysKiB: Int, whileChangingKiB: Int, seconds: Int, now: ContinuousClock.Instant = .now
    ) -> Int {
        input.withUnsafeBytes { limit(for: $0, alwaysKiB: alwaysKiB, whileChangingKiB: whileChangingKiB, seconds: seconds, now: now) }
    }

    /// ``limit(for:alwaysKiB:whileChangingKiB:seconds:now:)`` of the bytes `input` points to.
    public func limit(
        for input: UnsafeRawBufferPointer, alwaysKiB: Int, whileChangingKiB: Int, seconds: Int, now: ContinuousClock.Instant = .now
    ) -> Int {
        let always = Self.bytes(kib: alwaysKiB)
        let whileChanging = Self.bytes(kib: whileChangingKiB)
        guard input.count > always, input.count <= whileChanging else { return always }
        let fingerprint = Fingerprint.of(input)
        return last.withLock { last in
            if last?.fingerprint != fingerprint { last = (fingerprint, now) }
            return now - last!.changedAt < .seconds(seconds) ? whileChanging : always
        }
    }

    private static func bytes(kib: Int) -> Int { min(max(kib, 0), Int.max / 1024) * 1024 }
}
