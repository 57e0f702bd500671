/// Caddy modules that some resources need and a standard Caddy lacks.
public enum CaddyModules {
    /// The layer4 app: stream hosts.
    public static let layer4App = "layer4"
    /// The layer4 listener wrapper: TLS passthrough and SNI streams sharing the HTTPS port.
    public static let layer4Listener = "caddy.listeners.layer4"
    /// caddy-ratelimit's handler.
    public static let rateLimit = "http.handlers.rate_limit"
}
