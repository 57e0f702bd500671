/// A proxy host's upstreams go through ``AddressPolicy`` unless an admin set
/// `allow_reserved_upstream` on the host (audited with the change, like any other field).
enum UpstreamPolicy {
    static func check(host: String, port: Int, field: String, allowReserved: Bool, context: ValidationContext) throws(ValidationFailure) {
        if allowReserved {
            guard context.isAdmin else { throw ValidationFailure("allow_reserved_upstream", "only admins may allow reserved upstreams") }
            return
        }
        do {
            try context.addresses.check(host: host, port: port, field: field)
        } catch {
            throw ValidationFailure(field, error.message + "; an admin can allow it with allow_reserved_upstream")
        }
    }
}
