import Glibc
import Host

/// The agent's settings, from `/etc/posternproxy-agent/config.env`: `KEY=VALUE`
/// lines, `#` comments, values optionally in double quotes.
struct AgentConfiguration: Sendable {
    static let defaultPath = "/etc/posternproxy-agent/config.env"

    /// `POSTERNPROXY_CONTROLLER_URL`: the controller's base URL (`http(s)://` or `ws(s)://`).
    var controllerURL: String
    /// `POSTERNPROXY_AGENT_TOKEN`: `ppg_<server id>_<secret>`.
    var token: String
    /// `POSTERNPROXY_PLUGINS_DIR` [plugins beside the executable, or the installed folder].
    var pluginsDirectory: String
    /// `POSTERNPROXY_STATE_DIR` [/var/lib/posternproxy-agent]: what the data plane runs.
    var stateDirectory = "/var/lib/posternproxy-agent"
    /// `POSTERNPROXY_CADDY_ADMIN` [/run/caddy/admin.sock] and `POSTERNPROXY_CADDY` [caddy].
    /// `POSTERNPROXY_KEEP_STATE_KIB` [2048]: up to what size (KiB of JSON) the Caddy step keeps
    /// the last desired state between applies, so a change decodes and renders only what
    /// changed; a kept state takes about twice its size in memory. 0 keeps none.
    /// `POSTERNPROXY_KEEP_CHANGING_STATE_KIB` [65536] and
    /// `POSTERNPROXY_KEEP_CHANGING_STATE_SECONDS` [900]: a larger state, up to that size, is
    /// kept as well until it has not changed for that long (``ApplyPipeline/Caddy``).
    var caddy = ApplyPipeline.Caddy(adminSocket: "/run/caddy/admin.sock", binary: "caddy", httpPort: 80, httpsPort: 443)
    /// `POSTERNPROXY_CADDY_CERTIFICATE_LOG` [none]: a file Caddy writes its certificate
    /// manager's log to, in a folder Caddy can write to, from which the agent reports how
    /// automatic certificates are doing. `POSTERNPROXY_ACME_CA_ROOTS` [none]: comma-separated
    /// PEM files of roots Caddy trusts when it talks to the ACME CA (a private CA).
    /// `POSTERNPROXY_APPLY_PIPELINE` [posternproxy.caddy,posternproxy.iptables].
    var applySteps = ["posternproxy.caddy", "posternproxy.iptables"]
    /// `POSTERNPROXY_RECONCILE_SECONDS` [60]: how often the last state is re-applied, so a Caddy
    /// restarted empty or a flushed ruleset comes back without the controller.
    var reconcileSeconds = 60
    /// `POSTERNPROXY_STATUS_SECONDS` [30]: how often Caddy's health is reported.
    var statusSeconds = 30
    /// `POSTERNPROXY_WATCH_SECONDS` [2]: how often the agent checks that Caddy serves the applied
    /// state (one admin request), to give it back at once to a Caddy that restarted empty.
    var watchSeconds = 2
    /// `POSTERNPROXY_BACKOFF_MAX_SECONDS` [30]: the longest wait between reconnection attempts.
    var backoffMaximumSeconds = 30
    /// `POSTERNPROXY_CA_FILE`: PEM roots to trust for a `wss://` controller (a private CA).
    var trustedRootsFile: String?
    /// `POSTERNPROXY_PLUGIN_SIGNING_KEY` [none]: base64 of the Ed25519 public key whose signature
    /// every plugin fetched from the controller must carry (the controller's `plugin_signing_key`
    /// setting holds the same key); without it, plugins are checked by SHA-256 alone.
    var pluginSigningKey: [UInt8]?
    /// `POSTERNPROXY_PLUGIN_GRACE_SECONDS` [86400]: how long a fetched plugin no pipeline names
    /// any more is kept before it is removed.
    var pluginGraceSeconds = 86400

    /// The WebSocket URL of the controller's agent endpoint.
    var endpointURL: String {
        var base = controllerURL
        for (from, to) in [("https://", "wss://"), ("http://", "ws://")] where base.hasPrefix(from) { base = to + base.dropFirst(from.count) }
        while base.hasSuffix("/") { base.removeLast() }
        return base + AgentProtocol.path
    }

    static func load(path: String) throws(AgentConfigurationError) -> AgentConfiguration {
        guard let data = try? LocalFiles.read(path) else { throw AgentConfigurationError(path, "cannot be read") }
        let values = try ConfigEnvFile.parse(String(decoding: data, as: UTF8.self), path: path)
        guard let url = values["POSTERNPROXY_CONTROLLER_URL"], ["http://", "https://", "ws://", "wss://"].contains(where: url.hasPrefix) else {
            throw AgentConfigurationError(path, "POSTERNPROXY_CONTROLLER_URL must be an http(s):// or ws(s):// URL")
        }
        guard let token = values["POSTERNPROXY_AGENT_TOKEN"], AgentProtocol.serverID(inToken: token) != nil else {
            throw AgentConfigurationError(path, "POSTERNPROXY_AGENT_TOKEN must be the token the controller issued (ppg_...)")
        }
        var configuration = AgentConfiguration(controllerURL: url, token: token, pluginsDirectory: PluginFolder.configured(values))
        if let folder = values["POSTERNPROXY_STATE_DIR"] { configuration.stateDirectory = folder }
        if let socket = values["POSTERNPROXY_CADDY_ADMIN"] { configuration.caddy.adminSocket = socket }
        if let binary = values["POSTERNPROXY_CADDY"] { configuration.caddy.binary = binary }
        if let roots = values["POSTERNPROXY_CA_FILE"] { configuration.trustedRootsFile = roots }
        if let log = values["POSTERNPROXY_CADDY_CERTIFICATE_LOG"] {
            guard log.hasPrefix("/") else { throw AgentConfigurationError(path, "POSTERNPROXY_CADDY_CERTIFICATE_LOG must be an absolute path") }
            configuration.caddy.certificateLog = log
        }
        if let roots = values["POSTERNPROXY_ACME_CA_ROOTS"] {
            configuration.caddy.acmeTrustedRoots = roots.split(separator: ",").map { String($0.trimmingSpaces) }.filter { !$0.isEmpty }
            for file in configuration.caddy.acmeTrustedRoots where access(file, R_OK) != 0 {
                throw AgentConfigurationError(path, "POSTERNPROXY_ACME_CA_ROOTS names \(file), which cannot be read")
            }
        }
        if let key = values["POSTERNPROXY_PLUGIN_SIGNING_KEY"] {
            guard let bytes = Base64.decode(key), bytes.count == 32 else {
                throw AgentConfigurationError(path, "POSTERNPROXY_PLUGIN_SIGNING_KEY must be the base64 of a 32-byte Ed25519 public key")
            }
            configuration.pluginSigningKey = bytes
        }
        if let steps = values["POSTERNPROXY_APPLY_PIPELINE"] {
            configuration.applySteps = steps.split(separator: ",").map { String($0.trimmingSpaces) }.filter { !$0.isEmpty }
        }
        let numbers: [(String, WritableKeyPath<AgentConfiguration, Int>, ClosedRange<Int>)] = [
            ("POSTERNPROXY_HTTP_PORT", \.caddy.httpPort, 1...65535), ("POSTERNPROXY_HTTPS_PORT", \.caddy.httpsPort, 1...65535),
            ("POSTERNPROXY_RECONCILE_SECONDS", \.reconcileSeconds, 1...86400), ("POSTERNPROXY_STATUS_SECONDS", \.statusSeconds, 1...86400),
            ("POSTERNPROXY_WATCH_SECONDS", \.watchSeconds, 1...3600),
            ("POSTERNPROXY_BACKOFF_MAX_SECONDS", \.backoffMaximumSeconds, 1...3600),
            ("POSTERNPROXY_PLUGIN_GRACE_SECONDS", \.pluginGraceSeconds, 0...31_536_000),
            ("POSTERNPROXY_KEEP_STATE_KIB", \.caddy.keepStateUpToKiB, 0...(1 << 20)),
            ("POSTERNPROXY_KEEP_CHANGING_STATE_KIB", \.caddy.keepChangingStateUpToKiB, 0...(1 << 20)),
            ("POSTERNPROXY_KEEP_CHANGING_STATE_SECONDS", \.caddy.keepChangingStateSeconds, 0...86400),
        ]
        for (name, keyPath, range) in numbers {
            guard let text = values[name] else { continue }
            guard let value = Int(text), range.contains(value) else { throw AgentConfigurationError(path, "\(name) must be a number in \(range)") }
            configuration[keyPath: keyPath] = value
        }
        return configuration
    }
}
