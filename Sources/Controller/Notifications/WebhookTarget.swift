import Foundation

/// Where a webhook may send: an `http` or `https` URL with a host, never to a cloud metadata
/// service (link-local) nor to the controller's own listeners, and — unless its admin allowed a
/// private target — not to this machine, a private network or any address that is not public.
/// Checked when the webhook is saved and again before every delivery (a name may resolve
/// elsewhere later).
struct WebhookTarget: Sendable {
    let addresses: AddressPolicy

    /// Refuses `url`, naming the field `url`.
    func check(_ url: String, allowPrivate: Bool) throws(ValidationFailure) {
        guard url.utf8.count <= 2000, let parsed = URLComponents(string: url), let scheme = parsed.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = parsed.host, !host.isEmpty, parsed.user == nil, parsed.password == nil
        else { throw ValidationFailure("url", "must be an http:// or https:// URL with a host (no user name or password in it)") }
        let port = parsed.port ?? (scheme == "https" ? 443 : 80)
        switch addresses.reach(host) {
        case .cloudMetadata:
            throw ValidationFailure("url", "leads to a cloud metadata service (link-local address or metadata name)")
        case .thisHost where addresses.protectedPorts.contains(port):
            throw ValidationFailure("url", "leads to the controller itself (port \(port))")
        case .thisHost where !allowPrivate:
            throw ValidationFailure("url", "leads to this machine: set allow_private_target to send there")
        case .elsewhere where !allowPrivate && isPrivate(host):
            throw ValidationFailure("url", "leads to a private network address: set allow_private_target to send there")
        default:
            return
        }
    }

    private func isPrivate(_ host: String) -> Bool {
        let addresses = AddressPolicy.literal(host).map { [$0] } ?? addresses.resolve(host.lowercased())
        return addresses.map(AddressPolicy.embedded).contains { $0.isPrivate }
    }
}
