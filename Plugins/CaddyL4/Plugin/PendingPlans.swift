import CaddyL4Rendering
import Glibc
import Synchronization

/// The plan this process made last, kept from the plan that listed changes to the apply that
/// takes it. The host hands a plan's output to apply as it is, so an apply given exactly those
/// bytes takes the plan as it was made instead of reading it again: a pass over the whole config
/// it carries, some megabytes for 10,000 hosts, on the way from a change to Caddy's load.
///
/// A cache in the ABI's sense: any other input (another process's plan, a plan edited or read
/// back from a file) is read from its bytes, with the same result. One plan is kept at a time,
/// and an apply lets it go.
///
/// With the plan goes what its config serves, for the traffic log's names once it is loaded
/// (``ServedNames``); a plan read from its bytes has none, and the names stay as they were.
enum PendingPlans {
    struct Pending {
        var plan: CaddyPlan
        var served: Served?
    }

    /// The state a config was rendered from, the resources left out of it, and its traffic log.
    struct Served {
        var log: String
        var state: DesiredState
        var leftOut: Set<ResourceKey>

        func remember() { ServedNames.remember(log: log, state: state, leftOut: leftOut) }
    }

    private static let pending = Mutex<(bytes: [UInt8], kept: Pending)?>(nil)

    /// Keeps `plan`, whose output is `bytes`, and what its config serves, for the apply that follows.
    static func keep(_ plan: CaddyPlan, as bytes: [UInt8], serving served: Served?) {
        pending.withLock { $0 = (bytes, Pending(plan: plan, served: served)) }
    }

    /// The kept plan when `input` is byte for byte its output, let go either way.
    static func take(for input: UnsafeRawBufferPointer) -> Pending? {
        guard
            let kept = pending.withLock({ kept in
                defer { kept = nil }
                return kept
            })
        else { return nil }
        guard kept.bytes.count == input.count else { return nil }
        let same = kept.bytes.withUnsafeBytes { bytes in input.isEmpty || memcmp(bytes.baseAddress!, input.baseAddress!, input.count) == 0 }
        return same ? kept.kept : nil
    }
}
