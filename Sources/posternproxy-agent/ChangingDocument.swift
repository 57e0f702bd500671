import Host

/// The state that runs, kept in memory while it changes, with room for a patch to change it in
/// place and its SHA-256 kept resumable, so a patch's result is hashed from the patch on.
struct ChangingDocument {
    var document: [UInt8]
    var digest: ResumableDigest<SHA256Digest>
    var changedAt: ContinuousClock.Instant

    /// The room kept after the state, for patches that make it longer.
    static let patchRoom = 256 << 10

    /// Keeps `document` (copied once, into memory with ``patchRoom`` to spare), with its digest
    /// when known.
    init(_ document: [UInt8], digest: ResumableDigest<SHA256Digest>?, changedAt: ContinuousClock.Instant = .now) {
        var kept = document
        kept.reserveCapacity(document.count + Self.patchRoom)
        self.document = kept
        self.digest = digest ?? ResumableDigest(of: document)
        self.changedAt = changedAt
    }

    /// The state `patch` makes of the one `kept` holds, or else of `stored` (the state folder's),
    /// with its digest; nil when the patch does not apply to it. The kept state is given up
    /// either way: its memory becomes the new state's, changed in place (a state of 7 MB is not
    /// copied), and its digest goes on from the patch's start when it is the patch's base.
    static func patched(
        by patch: DesiredStatePatch, taking kept: inout ChangingDocument?, orStored stored: () -> [UInt8]?
    ) -> (state: [UInt8], digest: ResumableDigest<SHA256Digest>)? {
        let base = kept.map(\.digest).flatMap { $0.hex == patch.baseHash ? $0 : nil }
        guard var state = kept.take()?.document ?? stored(), patch.apply(to: &state) else { return nil }
        return (state, base?.updated(to: state, unchangedUpTo: patch.from) ?? ResumableDigest(of: state))
    }
}
