import Foundation

/// Renders one server's desired state into one Caddy JSON configuration. Pure: the same input
/// gives the same bytes (keys sorted), so a hash of the output tells whether a reload is needed.
public enum CaddyRenderer {
    /// The name of the HTTP server in the rendered config.
    public static let serverName = "posternproxy"

    /// Decodes `input` (desired state JSON) and `settings` (renderer config JSON) and returns
    /// Caddy's JSON.
    public static func render(input: Data, settings: Data) throws -> Data {
        let decoder = JSONDecoder()
        let state = try decoder.decode(RenderInput.self, from: input)
        let options = settings.isEmpty ? RenderSettings() : try decoder.decode(RenderSettings.self, from: settings)
        return try render(state, settings: options)
    }

    /// Renders decoded desired state.
    public static func render(_ state: RenderInput, settings: RenderSettings) throws -> Data {
        guard (1...65535).contains(settings.httpPort) else {
            throw RenderingError(resource: "settings", field: "http_port", message: "must be 1-65535")
        }
        let routes = try state.proxyHosts.filter(\.enabled).map(route)
        let server = CaddyConfig.Server(
            listen: [":\(settings.httpPort)"], routes: routes,
            automaticHTTPS: CaddyConfig.AutomaticHTTPS(disable: true))
        let config = CaddyConfig(apps: .init(http: .init(servers: [serverName: server])))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(config)
    }

    /// The route of one proxy host. Its `@id` lets the applier address and blame it.
    static func route(_ host: RenderInput.ProxyHost) throws -> CaddyConfig.Route {
        let resource = "proxy_host \(host.id)"
        for domain in host.domainNames {
            try RenderingError.refusePlaceholders(domain, resource: resource, field: "domain_names")
        }
        try RenderingError.refusePlaceholders(host.forwardHost, resource: resource, field: "forward_host")
        guard (1...65535).contains(host.forwardPort) else {
            throw RenderingError(resource: resource, field: "forward_port", message: "must be 1-65535")
        }
        let transport: CaddyConfig.Transport?
        switch host.forwardScheme {
        case "http": transport = nil
        case "https": transport = CaddyConfig.Transport(protocol: "http", tls: CaddyConfig.TLS())
        default: throw RenderingError(resource: resource, field: "forward_scheme", message: "must be http or https")
        }
        let dialHost = host.forwardHost.contains(":") ? "[\(host.forwardHost)]" : host.forwardHost
        return CaddyConfig.Route(
            id: "proxy_host_\(host.id)",
            match: [CaddyConfig.Match(host: host.domainNames)],
            handle: [CaddyConfig.Handler(
                handler: "reverse_proxy",
                upstreams: [CaddyConfig.Upstream(dial: "\(dialHost):\(host.forwardPort)")],
                transport: transport)],
            terminal: true)
    }
}
