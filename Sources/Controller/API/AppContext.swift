import Hummingbird
import NIOCore

/// Per-request context of the controller's router: the client's address and, once the
/// authentication middleware has run, who the caller is.
public struct AppContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address (the controller trusts no forwarding header).
    public let clientIP: String
    /// Set by ``AuthenticationMiddleware``.
    public var identity: Identity?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientIP = source.channel.remoteAddress?.ipAddress ?? "unknown"
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
