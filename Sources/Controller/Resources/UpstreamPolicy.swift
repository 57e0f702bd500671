/// Upstreams that must not be proxied to unless an admin allows it (SPEC §8): the controller
/// itself, Caddy's default admin port on this host, and link-local addresses (cloud metadata).
enum UpstreamPolicy {
    static let caddyAdminPort = 2019

    static func check(host: String, port: Int, field: String, allowReserved: Bool, context: ValidationContext) throws(ValidationFailure) {
        if allowReserved {
            guard context.isAdmin else { throw ValidationFailure("allow_reserved_upstream", "only admins may allow reserved upstreams") }
            return
        }
        let address = IPAddress(host)
        let local = host == "localhost" || address?.isLoopback == true || address?.isUnspecified == true
        if local && (port == context.controllerPort || port == caddyAdminPort) {
            throw ValidationFailure(field, "points at the controller or Caddy's admin API on this host; an admin can allow it with allow_reserved_upstream")
        }
        if address?.isLinkLocal == true || host == "metadata.google.internal" {
            throw ValidationFailure(field, "points at a link-local (cloud metadata) address; an admin can allow it with allow_reserved_upstream")
        }
    }
}
