import Foundation
import Synchronization

/// "Serve this admin at https://DOMAIN": the `admin_domain` setting makes the controller's own
/// Caddy serve the admin UI and API at that domain with an ACME certificate, proxying to the
/// controller's HTTP listener; `admin_http_redirect` then sends plain-HTTP visitors of the admin
/// port there. While a domain is set, the listener's own address (where that Caddy connects
/// from) is a trusted proxy, so the sessions, limits and audit log see the browser's address and
/// the cookies are `Secure`. Kept in memory, read again whenever settings change.
final class AdminDomain: Sendable {
    /// Where the local Caddy reaches the controller; nil when the local apply pipeline has no step
    /// that describes a data plane (then no domain can be served).
    let upstream: (host: String, port: Int)?
    /// The ranges `POSTERNPROXY_TRUSTED_PROXIES` names.
    let configuredProxies: TrustedProxies
    /// The local Caddy's HTTPS port, for redirects.
    let httpsPort: Int

    struct State: Sendable {
        var domain: String?
        var redirect = false
        var trusted: TrustedProxies
    }

    private let state: Mutex<State>

    /// `servesSites`: the local server has a data plane that serves sites (a step of its apply
    /// pipeline answered `posternproxy.describe/1`).
    init(configuration: ControllerConfiguration, servesSites: Bool) {
        configuredProxies = configuration.trustedProxies
        httpsPort = configuration.httpsPort
        upstream = servesSites ? Self.controllerAddress(configuration) : nil
        state = Mutex(State(trusted: configuration.trustedProxies))
    }

    /// Where a data plane on this machine reaches the controller's HTTP listener.
    static func controllerAddress(_ configuration: ControllerConfiguration) -> (host: String, port: Int) {
        let host =
            switch configuration.listenHost {
            case "0.0.0.0", "": "127.0.0.1"
            case "::": "::1"
            default: configuration.listenHost
            }
        return (host, configuration.listenPort)
    }

    var current: State { state.withLock { $0 } }

    /// Reads the settings again (at start, and after every settings change or restore).
    func refresh(_ store: Store) async throws {
        let values = try await store.database.read { db in try SettingsRepository.all(db) }
        let domain = values["admin_domain"].flatMap { $0.isEmpty ? nil : $0 }
        var trusted = configuredProxies
        if domain != nil, let upstream {
            // The local Caddy connects from loopback, or from the address the listener is bound to.
            var own = ["127.0.0.1", "::1"]
            if IPAddress(upstream.host) != nil, !own.contains(upstream.host) { own.append(upstream.host) }
            trusted = trusted.adding((try? TrustedProxies(parsing: own.joined(separator: ","), field: "upstream")) ?? .none)
        }
        state.withLock { $0 = State(domain: domain, redirect: values["admin_http_redirect"] == "true", trusted: trusted) }
    }
}
