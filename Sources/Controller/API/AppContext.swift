import Hummingbird
import NIOCore

/// Per-request context of the controller's router: where the request came from and, once the
/// authentication middleware has run, who the caller is.
public struct AppContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The address of the connection's other end (a proxy, when one forwards the request).
    public let peerIP: String
    /// The client's address: the peer's, or the one a trusted proxy names in
    /// `X-Forwarded-For` (set by ``ClientAddressMiddleware``). Rate limits, the audit log and
    /// sessions use it.
    public var clientIP: String
    /// Whether the client's request crossed the network encrypted: it arrived over TLS, or a
    /// trusted proxy says with `X-Forwarded-Proto: https` that it did. Session cookies are
    /// `Secure` exactly then.
    public var isSecure = false
    /// Set by ``AuthenticationMiddleware``.
    public var identity: Identity?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerIP = source.channel.remoteAddress?.ipAddress ?? "unknown"
        clientIP = peerIP
    }

    /// Request bodies above this are refused with 413.
    public var maxUploadSize: Int { 1 << 20 }

    /// The caller, or 401.
    func requireIdentity() throws -> Identity {
        guard let identity else { throw APIError.unauthorized() }
        return identity
    }

    /// The caller if an admin, or 403.
    func requireAdmin() throws -> Identity {
        let identity = try requireIdentity()
        guard identity.isAdmin else { throw APIError.forbidden("this action needs the admin role") }
        return identity
    }
}
