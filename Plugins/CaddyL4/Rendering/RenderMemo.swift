import JSONCore
import Synchronization

/// What one render made, for the next render of the same server.
///
/// When the new state differs from the one rendered last in its proxy hosts alone (the common
/// change: one host added, edited or removed), what the hosts before and after the changed ones
/// added to each part of the config is kept as it lies (``RenderedParts``), and only the changed
/// hosts are rendered: after a change to one host of 10,000, a render touches one host, not
/// 10,000. Otherwise each resource equal to the one a piece was made from, in the same
/// surroundings (the render settings, the state's settings, its access lists and certificates,
/// whether hosts share routes), gets that piece again instead of being checked and rendered
/// again. Surroundings that changed make every piece again; so does a render where one shared
/// name is claimed by two hosts, since which one is left out depends on the order of all of them.
///
/// A memo keeps only the latest render's pieces, so it holds one config's worth of them whatever
/// the number of renders. Safe to share between threads: a render takes the pieces and gives the
/// new ones back, and two renders at once simply do not share.
public final class RenderMemo: Sendable {
    private let kept = Mutex<Pieces?>(nil)

    public init() {}

    /// The pieces kept, taken out for one render.
    func take() -> Pieces? {
        kept.withLock { kept in
            defer { kept = nil }
            return kept
        }
    }

    func keep(_ pieces: Pieces) { kept.withLock { $0 = pieces } }

    /// Lets go of what is kept: for a caller that stops keeping the state it rendered.
    public func forget() { kept.withLock { $0 = nil } }

    /// How the latest render used the memo: tells a test, or a log line, which way it went.
    public enum Reuse: Equatable, Sendable {
        /// Nothing kept fitted: every resource was rendered.
        case none
        /// Each resource equal to the one its kept piece was made from got that piece again.
        case pieces
        /// Only proxy hosts changed: what the hosts before and after the changed ones added was
        /// kept as it lay, and `rendered` hosts between them were rendered or got their pieces.
        /// `compared`: the hosts were compared with the memo's to find the changed ones (else
        /// the state's reader said which it kept).
        case splice(rendered: Int, compared: Bool)
    }

    private let lastReuse = Mutex<Reuse>(.none)

    /// How the latest render with this memo used it.
    public var latestReuse: Reuse { lastReuse.withLock { $0 } }

    func noteReuse(_ reuse: Reuse) { lastReuse.withLock { $0 = reuse } }

    /// Everything a resource's piece depends on besides the resource itself.
    struct Surroundings: Equatable, Sendable {
        var settings: RenderSettings
        var stateSettings: DesiredState.Settings
        var accessLists: [AccessList]
        var certificates: [Certificate]
        var streamCarriers: [String: String]
        var sharesRoutes: Bool
    }

    struct Pieces: Sendable {
        var surroundings: Surroundings
        /// The reader's number of the state rendered, when it was rendered as read.
        var generation: UInt64?
        /// Every proxy host of the state, in its order, with what it added (nothing when it was
        /// disabled or left out).
        var proxyHosts: [Made<ProxyHost>] = []
        var redirectionHosts: [Int: Made<RedirectionHost>] = [:]
        var deadHosts: [Int: Made<DeadHost>] = [:]
        var streamHosts: [Int: Made<StreamHost>] = [:]
        /// The state's resources as rendered: a state that differs from this one in its proxy
        /// hosts alone is spliced.
        var resources: Resources
        /// How far each part reached before the first proxy host, and after the last.
        var proxyHostsStart = RenderedParts.Marks()
        var proxyHostsEnd = RenderedParts.Marks()
        /// What the whole render added.
        var parts = RenderedParts()
    }

    /// The resources of a state. The proxy hosts are in a list of the memo's own, changed in
    /// place by the next splice: the state's own list is shared with whoever read it (a
    /// ``DesiredStateReader`` keeps it, to patch in place in turn); the others' lists are shared.
    struct Resources: Sendable {
        var adminSite: DesiredState.AdminSite?
        var proxyHosts: [ProxyHost]
        var redirectionHosts: [RedirectionHost]
        var deadHosts: [DeadHost]
        var streamHosts: [StreamHost]

        /// `proxyHosts`: the state's, already in a list of the memo's own; nil copies them into one.
        init(_ state: DesiredState, proxyHosts: [ProxyHost]?) {
            adminSite = state.adminSite
            self.proxyHosts = proxyHosts ?? state.proxyHosts.withUnsafeBufferPointer { Array($0) }
            redirectionHosts = state.redirectionHosts
            deadHosts = state.deadHosts
            streamHosts = state.streamHosts
        }

        /// Whether `state` has the same resources, but for its proxy hosts.
        func sameBesidesProxyHosts(as state: DesiredState) -> Bool {
            adminSite == state.adminSite && redirectionHosts == state.redirectionHosts && deadHosts == state.deadHosts
                && streamHosts == state.streamHosts
        }
    }

    /// A resource and the piece made of it (nil: it added nothing). A class, so keeping and
    /// finding one of 10,000 copies a reference, not a host and its piece.
    final class Made<Resource: Sendable>: Sendable {
        let resource: Resource
        let piece: Piece?

        init(_ resource: Resource, _ piece: Piece?) {
            self.resource = resource
            self.piece = piece
        }
    }

    /// What rendering one resource added to each part of the config: the stretch it appended to
    /// each list part, its own key the one resource rendered. A class: replaying one copies a
    /// reference, not its lists.
    final class Piece: Sendable {
        let added: RenderedParts

        init(_ added: RenderedParts) { self.added = added }
    }
}
