import Synchronization

/// The config this process last loaded into each Caddy, by admin socket. Apply takes the config
/// to roll back to from here when Caddy still runs that tag, instead of asking Caddy to
/// serialize its whole running config on every change; a plan whose rendering differs from it
/// takes it as what Caddy runs, without asking. A cache in the ABI's sense: when it is
/// empty (a fresh process, another host) apply asks Caddy, and does the same thing, only slower.
///
/// The tag is a hash of the config's bytes, so a Caddy that runs the tag runs these bytes, unless
/// someone changed part of it through the admin API in between; PosternProxy owns Caddy's config
/// and replaces it whole on every change, so a rollback to these bytes is what it wants anyway.
enum LoadedConfigs {
    private static let configs = Mutex<[String: (tag: String, config: [UInt8])]>([:])

    static func remember(socket: String, tag: String, config: [UInt8]) {
        configs.withLock { $0[socket] = (tag, config) }
    }

    /// Forgets what was loaded into `socket`: Caddy may run something else now (a rollback, a
    /// load whose outcome is unknown).
    static func forget(socket: String) {
        configs.withLock { $0[socket] = nil }
    }

    /// The tag of the config this process last loaded into `socket`; nil when it loaded none.
    static func tag(socket: String) -> String? {
        configs.withLock { $0[socket]?.tag }
    }

    /// The config loaded into `socket` under `tag`, if this process loaded it.
    static func config(socket: String, tag: String) -> [UInt8]? {
        configs.withLock { entry in entry[socket].flatMap { $0.tag == tag ? $0.config : nil } }
    }
}
