import JSONCore
import Synchronization

/// What one render made of each resource, for the next render of the same server: a resource
/// equal to the one a piece was made from, in the same surroundings (the render settings, the
/// state's settings, its access lists and certificates, whether hosts share routes), gets that
/// piece again instead of being checked and rendered again. After a change to one host of
/// 10,000, a render makes one host's piece and reuses the others.
///
/// Surroundings that changed make every piece again. A memo keeps only the latest render's
/// pieces, so it holds one config's worth of them whatever the number of renders. Safe to share
/// between threads: a render takes the pieces and gives the new ones back, and two renders at
/// once simply do not share.
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
        var proxyHosts: [Int: Made<ProxyHost>] = [:]
        var redirectionHosts: [Int: Made<RedirectionHost>] = [:]
        var deadHosts: [Int: Made<DeadHost>] = [:]
        var streamHosts: [Int: Made<StreamHost>] = [:]
    }

    /// A resource and the piece made of it. A class, so keeping and finding one of 10,000
    /// copies a reference, not a host and its piece.
    final class Made<Resource: Sendable>: Sendable {
        let resource: Resource
        let piece: Piece

        init(_ resource: Resource, _ piece: Piece) {
            self.resource = resource
            self.piece = piece
        }
    }

    /// What rendering one resource added to each part of the config.
    struct Piece: Sendable {
        var httpRoutes: [(route: JSON, wildcard: Bool)] = []
        var httpsRoutes: [(route: JSON, wildcard: Bool)] = []
        var sharedHTTP: [(scheme: String, entry: SharedProxyRoute.Entry)] = []
        var sharedHTTPS: [(scheme: String, entry: SharedProxyRoute.Entry)] = []
        var sharedRedirects: [SharedProxyRoute.Entry] = []
        /// The names it holds in the shared routes, in lower case.
        var sharedNames: [String] = []
        var errorRoutes: [JSON] = []
        var passthroughRoutes: [JSON] = []
        var layer4Servers: [(String, JSON)] = []
        var automaticDomains: [String] = []
        var customDomains: [String] = []
        var http1OnlyDomains: [String] = []
        /// The uploaded certificates it loads, by id.
        var certificates: [(Int, JSON)] = []
    }
}
