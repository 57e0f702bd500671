import Foundation
import HTTPTypes
import Hummingbird

/// Decides who the client is and whether its request was encrypted, before anything else reads
/// ``AppContext/clientIP`` or ``AppContext/isSecure``.
///
/// A peer that is not a trusted proxy is the client, and its request is secure exactly when it
/// arrived on the TLS listener; the forwarding headers it sends change nothing. A trusted proxy's
/// `X-Forwarded-For` is read from the right: the first address that is not itself a trusted
/// proxy is the client (so a client cannot prepend a forged address). Its `X-Forwarded-Proto`
/// says whether the client used https.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = AppContext
    /// The trusted proxies now (they follow the `admin_domain` setting).
    let trustedProxies: @Sendable () -> TrustedProxies
    /// Whether this listener speaks TLS.
    let listenerIsTLS: Bool

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.isSecure = listenerIsTLS
        let trusted = trustedProxies()
        context.clientIP = Self.client(of: request, peer: context.peerIP, trusted: trusted)
        if trusted.contains(context.peerIP) {
            if let proto = request.headers[values: Self.forwardedProto].last?.split(separator: ",").last {
                context.isSecure = proto.trimmingCharacters(in: .whitespaces).lowercased() == "https"
            }
        }
        return try await next(request, context)
    }

    /// The client of `request` from `peer`: the peer itself, unless it is a trusted proxy that
    /// names one in `X-Forwarded-For`. (The agent endpoint decides the same way.)
    static func client(of request: Request, peer: String, trusted: TrustedProxies) -> String {
        guard trusted.contains(peer) else { return peer }
        return client(forwardedFor: request.headers[values: forwardedFor], trusted: trusted) ?? peer
    }

    /// The rightmost address of the `X-Forwarded-For` chain that is not a trusted proxy, or the
    /// leftmost when every hop is trusted; nil when the chain is missing or holds anything that
    /// is not an address (then the peer stays the client).
    static func client(forwardedFor values: [String], trusted: TrustedProxies) -> String? {
        let hops = values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        guard !hops.isEmpty else { return nil }
        var addresses: [IPAddress] = []
        for hop in hops {
            guard let address = IPAddress(Self.withoutPort(hop)) else { return nil }
            addresses.append(address.unmapped)
        }
        return (addresses.last { !trusted.contains($0) } ?? addresses[0]).description
    }

    /// `[::1]:443` → `::1`, `10.0.0.1:80` → `10.0.0.1`; anything else as it is.
    private static func withoutPort(_ hop: String) -> String {
        if hop.hasPrefix("["), let close = hop.firstIndex(of: "]") { return String(hop[hop.index(after: hop.startIndex)..<close]) }
        if hop.filter({ $0 == ":" }).count == 1, let colon = hop.firstIndex(of: ":") { return String(hop[..<colon]) }
        return hop
    }
}
