import JSONCore

/// A desired state sent as the change from one the agent already runs: the bytes from `from` to
/// `to` of that state's text replaced by `text`. After a change to one host of 10,000 it is the
/// host's few hundred bytes instead of the whole 7 MB document, which the controller would
/// otherwise encode and send and the agent receive and check again at every change.
///
/// The agent applies it only to the state whose hash is `baseHash`, and only when the result is
/// `length` bytes whose SHA-256 is `hash`; anything else and it asks for the whole state
/// (``AgentMessage/stateRequest(revision:)``), so a patch can delay a change, never corrupt one.
public struct DesiredStatePatch: Sendable, Equatable {
    /// The revision and SHA-256 (hex) of the state this patch makes.
    public var revision: Int64
    public var hash: String
    /// The SHA-256 of the state it applies to.
    public var baseHash: String
    /// The stretch of the base's text that is replaced, as byte offsets.
    public var from: Int
    public var to: Int
    /// What replaces it: whole UTF-8 characters, so it travels as a JSON string.
    public var text: [UInt8]
    /// The length of the state it makes.
    public var length: Int

    public init(revision: Int64, hash: String, baseHash: String, from: Int, to: Int, text: [UInt8], length: Int) {
        self.revision = revision
        self.hash = hash
        self.baseHash = baseHash
        self.from = from
        self.to = to
        self.text = text
        self.length = length
    }

    /// The patch that makes `state` from `base`: the one stretch between the bytes both begin
    /// and end with, widened to whole UTF-8 characters. Nil when the stretch is more than half
    /// of `state`: the whole state is then about as small and needs no base. `alike`: how many
    /// bytes both begin with, when the caller already compared them.
    public static func between(
        base: [UInt8], baseHash: String, state: [UInt8], alikeUpTo alike: Int? = nil, revision: Int64, hash: String
    ) -> DesiredStatePatch? {
        var start = alike ?? CommonBytes.prefix(base, state)
        var end = CommonBytes.suffix(base, state, longest: min(base.count, state.count) - start)
        // A character cut in two would not travel as a JSON string: take all of it.
        while start > 0, start < state.count, isContinuation(state[start]) { start -= 1 }
        while end > 0, isContinuation(state[state.count - end]) { end -= 1 }
        let text = Array(state[start..<(state.count - end)])
        guard text.count <= state.count / 2 else { return nil }
        return DesiredStatePatch(
            revision: revision, hash: hash, baseHash: baseHash, from: start, to: base.count - end, text: text, length: state.count)
    }

    /// Makes, in `state`, the state this patch makes from it: in its own storage when `state`
    /// is its only holder and has the room. False, leaving `state` as it is, when the patch's
    /// stretch is not inside it or the result would not be ``length`` bytes (a patch for
    /// another base).
    public func apply(to state: inout [UInt8]) -> Bool {
        guard from >= 0, from <= to, to <= state.count, state.count - (to - from) + text.count == length else { return false }
        state.replaceSubrange(from..<to, with: text)
        return true
    }

    private static func isContinuation(_ byte: UInt8) -> Bool { byte & 0xC0 == 0x80 }
}
