import Foundation
import Host

/// The controller's settings, from the environment.
public struct ControllerConfiguration: Sendable {
    /// `POSTERNPROXY_LISTEN` [0.0.0.0:81].
    public var listenHost: String
    public var listenPort: Int
    /// `POSTERNPROXY_TLS_LISTEN` [unset]: HOST:PORT where the admin UI, API and agent endpoint
    /// are also served over HTTPS.
    public var tlsListen: (host: String, port: Int)?
    /// `POSTERNPROXY_TLS_CERT` and `POSTERNPROXY_TLS_KEY` [unset: a self-signed certificate made
    /// at first start]: the admin's PEM certificate chain and key, read again when they change.
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?
    /// `POSTERNPROXY_ACME_CA_ROOTS` [none]: PEM files of the roots the local Caddy trusts when
    /// it talks to the ACME CA (a private CA such as step-ca).
    public var acmeTrustedRoots: [String] = []
    /// `POSTERNPROXY_OIDC_CA_ROOTS` [none]: PEM files of roots trusted, besides the system's,
    /// for the single sign-on provider (one with a private CA).
    public var oidcTrustedRoots: [String] = []
    /// `POSTERNPROXY_PASSWORD_LOGIN` [unset]: `on` lets email and password sign in even when an
    /// admin turned password login off (for when the identity provider is down).
    public var passwordLoginForced = false
    /// `POSTERNPROXY_TLS_RELOAD_SECONDS` [10]: how often the certificate files are checked.
    public var tlsReloadSeconds = 10
    /// `POSTERNPROXY_DATA_DIR` [/var/lib/posternproxy].
    public var dataDirectory: String
    /// `POSTERNPROXY_ADMIN_EMAIL` [admin@posternproxy.local] and `POSTERNPROXY_ADMIN_PASSWORD`
    /// [random, printed once]: the first admin.
    public var adminEmail: String
    public var adminPassword: String?
    /// `POSTERNPROXY_PLUGINS_DIR` [plugins beside the executable, or the installed folder].
    public var pluginsDirectory: String = PluginFolder.configured()
    /// `POSTERNPROXY_CADDY_ADMIN`: the admin socket of a running Caddy; nil = start one.
    public var caddyAdminSocket: String?
    /// `POSTERNPROXY_CADDY` [caddy].
    public var caddyBinary = "caddy"
    /// `POSTERNPROXY_CADDY_USER` [`caddy` when that user exists; empty: the controller's own
    /// user]: who the Caddy the controller starts runs as. Its state then lives outside the
    /// data folder, in `POSTERNPROXY_CADDY_DIR` [DATA_DIR-caddy], owned by that user.
    public var caddyUser: String?
    public var caddyStateDirectory: String?
    /// `POSTERNPROXY_HTTP_PORT` [80] and `POSTERNPROXY_HTTPS_PORT` [443].
    public var httpPort = 80
    public var httpsPort = 443
    /// `POSTERNPROXY_APPLY_PIPELINE` [posternproxy.caddy,posternproxy.iptables]: the local
    /// server's apply pipeline; empty for a controller that serves no traffic itself.
    public var applyPipeline = ["posternproxy.caddy", "posternproxy.iptables"]
    /// `POSTERNPROXY_RATE_LIMIT` [3000]: authenticated requests per minute per credential (a
    /// user's sessions together, or one API token), allowed in bursts of as many.
    public var requestsPerMinute = 3000
    /// `POSTERNPROXY_TRUSTED_PROXIES` [none]: addresses and CIDR ranges whose
    /// `X-Forwarded-For` / `X-Forwarded-Proto` are believed.
    public var trustedProxies = TrustedProxies.none
    /// `POSTERNPROXY_AGENT_HEARTBEAT` [5]: seconds between an agent's heartbeats.
    public var agentHeartbeatSeconds = 5
    /// `POSTERNPROXY_AGENT_OFFLINE_AFTER` [20]: seconds without a word from an agent before its
    /// server is Offline.
    public var agentOfflineAfterSeconds = 20
    /// `POSTERNPROXY_AGENT_WRITE_TIMEOUT` [30]: seconds a message to an agent may wait for the
    /// agent to take it; an agent that stopped reading is then dropped and resyncs when it comes back.
    public var agentWriteTimeoutSeconds = 30
    /// `POSTERNPROXY_AGENT_TICKET_RENEWAL_SECONDS` [21600]: how often a connected agent is sent a
    /// fresh session ticket (half of a ticket's 12-hour life).
    public var agentTicketRenewalSeconds = Int(AgentTickets.lifetime / 2)
    /// How often the local server's data plane reports its upstreams' health (as agents do).
    public var statusSeconds = 30
    /// `POSTERNPROXY_TRAFFIC_FLUSH_SECONDS` [10]: how often the traffic in status reports is
    /// written to the database (reads of it write what is pending first).
    public var trafficFlushSeconds = 10
    /// `POSTERNPROXY_MAX_CONNECTIONS` [the descriptor limit less 256]: connections the
    /// listeners hold at once (``ConnectionLimits``).
    public var maxConnections: Int?
    /// `POSTERNPROXY_IDLE_TIMEOUT_SECONDS` [30]: a connection with no request in progress for
    /// this long (idle, or still sending its request head) is closed.
    public var idleTimeoutSeconds = 30
    /// `POSTERNPROXY_EXPIRY_CHECK_SECONDS` [3600]: how often certificates are checked for an
    /// expiry within the `certificate_expiry_days` setting, to notify the webhooks.
    public var expiryCheckSeconds = 3600
    /// `POSTERNPROXY_WATCH_SECONDS` [2]: how often the local Caddy is checked to serve the applied
    /// state (one admin request), to give it back at once to a Caddy that restarted empty.
    public var watchSeconds = 2
    /// `POSTERNPROXY_AGENT_CONNECT_LIMIT` [30]: per address and minute, failed agent connection attempts, and
    /// separately admissions (a right token is never kept out by others' failures at its address).
    public var agentConnectionsPerMinute = 30

    /// `POSTERNPROXY_PUBLIC_URL`: where agents reach this controller (`https://proxy.example:8443`);
    /// needed to provision servers. `http://` to another machine needs
    /// `POSTERNPROXY_PUBLIC_URL_INSECURE=yes`.
    public var publicURL: String?
    /// `POSTERNPROXY_AGENT_BUNDLE` [agent-bundle beside the executable]: what provisioning
    /// installs as the agent (scripts/bundle-agent.sh).
    public var agentBundleDirectory = PluginFolder.besideExecutable("agent-bundle")
    /// `POSTERNPROXY_PROVISION_CADDY`: a Caddy binary (with layer4 and rate-limit) that
    /// provisioning uploads; unset builds one on the server with xcaddy.
    public var provisionCaddyBinary: String?
    /// `POSTERNPROXY_PROVISION_PIPELINES`: a JSON file of pipelines replacing or adding
    /// provisioning pipelines (`provision`, `update-agent`).
    public var provisionPipelinesFile: String?
    /// `POSTERNPROXY_PROVISION_TRANSPORT`: the transport plugin provisioning reaches servers
    /// through (`posternproxy.transport/1`); without it loaded, provisioning is off.
    public var provisioningTransport = "posternproxy.ssh"
    /// The provisioning pipelines by name: `provision` installs and hardens a server,
    /// `update-agent` copies the agent bundle and restarts the agent. Each step is a plugin with
    /// its config (`{"part": ...}` picks a profile of a plugin that has several).
    public var provisionPipelines: [String: PipelineDefinition] = {
        func step(_ plugin: String, part: String) -> PipelineDefinition.Step {
            PipelineDefinition.Step(plugin: plugin, config: Array(#"{"part":"\#(part)"}"#.utf8))
        }
        let provision = PipelineDefinition(
            name: "provision",
            steps: [
                step("posternproxy.ssh", part: "caddy"), step("posternproxy.hardening", part: "ufw"),
                step("posternproxy.hardening", part: "fail2ban"), step("posternproxy.hardening", part: "unattended-upgrades"),
                step("posternproxy.hardening", part: "sysctl"), step("posternproxy.ssh", part: "agent"),
            ])
        return ["provision": provision, "update-agent": PipelineDefinition(name: "update-agent", steps: [step("posternproxy.ssh", part: "agent")])]
    }()

    /// `POSTERNPROXY_WEB_DIR` [the web UI shipped with the controller]: where the UI's files are.
    public var webDirectory = Bundle.module.url(forResource: "WebUI", withExtension: nil)?.path ?? "WebUI"

    public var databasePath: String { (dataDirectory as NSString).appendingPathComponent("posternproxy.sqlite") }

    public init(
        listenHost: String = "0.0.0.0", listenPort: Int = 81, dataDirectory: String = "/var/lib/posternproxy",
        adminEmail: String = "admin@posternproxy.local", adminPassword: String? = nil
    ) {
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.dataDirectory = dataDirectory
        self.adminEmail = adminEmail
        self.adminPassword = adminPassword
    }

    /// `HOST:PORT` (or `[v6]:PORT`; an empty host is every address).
    private static func listenAddress(_ text: String, variable: String, example: String) throws(ValidationFailure) -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            throw ValidationFailure(variable, "must be HOST:PORT, for example \(example)")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    /// A comma-separated list of files that must all be readable.
    private static func readableFiles(_ environment: [String: String], _ variable: String) throws(ValidationFailure) -> [String] {
        let files = (environment[variable] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for file in files where !FileManager.default.isReadableFile(atPath: file) {
            throw ValidationFailure(variable, "\(file) cannot be read")
        }
        return files
    }

    /// Reads the `POSTERNPROXY_*` variables; throws naming the variable when one is malformed.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ControllerConfiguration {
        var configuration = ControllerConfiguration()
        if let listen = environment["POSTERNPROXY_LISTEN"] {
            (configuration.listenHost, configuration.listenPort) = try listenAddress(listen, variable: "POSTERNPROXY_LISTEN", example: "0.0.0.0:81")
        }
        if let listen = environment["POSTERNPROXY_TLS_LISTEN"], !listen.isEmpty {
            configuration.tlsListen = try listenAddress(listen, variable: "POSTERNPROXY_TLS_LISTEN", example: "0.0.0.0:8443")
            guard configuration.tlsListen!.port != configuration.listenPort else {
                throw ValidationFailure("POSTERNPROXY_TLS_LISTEN", "must use another port than POSTERNPROXY_LISTEN")
            }
        }
        let certificate = environment["POSTERNPROXY_TLS_CERT"].flatMap { $0.isEmpty ? nil : $0 }
        let key = environment["POSTERNPROXY_TLS_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        guard (certificate == nil) == (key == nil) else {
            throw ValidationFailure(
                certificate == nil ? "POSTERNPROXY_TLS_CERT" : "POSTERNPROXY_TLS_KEY",
                "must be set together with \(certificate == nil ? "POSTERNPROXY_TLS_KEY" : "POSTERNPROXY_TLS_CERT")")
        }
        if certificate != nil, configuration.tlsListen == nil {
            throw ValidationFailure("POSTERNPROXY_TLS_LISTEN", "must be set when POSTERNPROXY_TLS_CERT is: it is where the certificate is served")
        }
        configuration.tlsCertificateFile = certificate
        configuration.tlsKeyFile = key
        configuration.acmeTrustedRoots = try readableFiles(environment, "POSTERNPROXY_ACME_CA_ROOTS")
        configuration.oidcTrustedRoots = try readableFiles(environment, "POSTERNPROXY_OIDC_CA_ROOTS")
        if let text = environment["POSTERNPROXY_PASSWORD_LOGIN"], !text.isEmpty {
            guard ["on", "off"].contains(text) else { throw ValidationFailure("POSTERNPROXY_PASSWORD_LOGIN", "must be on or off") }
            configuration.passwordLoginForced = text == "on"
        }
        if let text = environment["POSTERNPROXY_TLS_RELOAD_SECONDS"] {
            guard let seconds = Int(text), (1...86_400).contains(seconds) else {
                throw ValidationFailure("POSTERNPROXY_TLS_RELOAD_SECONDS", "must be a whole number of seconds from 1 to 86400")
            }
            configuration.tlsReloadSeconds = seconds
        }
        if let directory = environment["POSTERNPROXY_DATA_DIR"], !directory.isEmpty { configuration.dataDirectory = directory }
        if let email = environment["POSTERNPROXY_ADMIN_EMAIL"], !email.isEmpty {
            configuration.adminEmail = try FieldRules.email(email, field: "POSTERNPROXY_ADMIN_EMAIL")
        }
        if let password = environment["POSTERNPROXY_ADMIN_PASSWORD"], !password.isEmpty {
            configuration.adminPassword = try FieldRules.password(password, field: "POSTERNPROXY_ADMIN_PASSWORD")
        }
        configuration.pluginsDirectory = PluginFolder.configured(environment)
        if let socket = environment["POSTERNPROXY_CADDY_ADMIN"], !socket.isEmpty { configuration.caddyAdminSocket = socket }
        if let binary = environment["POSTERNPROXY_CADDY"], !binary.isEmpty { configuration.caddyBinary = binary }
        if let user = environment["POSTERNPROXY_CADDY_USER"] {
            guard user.isEmpty || getpwnam(user) != nil else {
                throw ValidationFailure("POSTERNPROXY_CADDY_USER", "names no user of this machine: \(user)")
            }
            configuration.caddyUser = user.isEmpty ? nil : user
        } else if getpwnam("caddy") != nil {
            configuration.caddyUser = "caddy"
        }
        if let folder = environment["POSTERNPROXY_CADDY_DIR"], !folder.isEmpty { configuration.caddyStateDirectory = folder }
        for (name, keyPath) in [
            ("POSTERNPROXY_HTTP_PORT", \ControllerConfiguration.httpPort), ("POSTERNPROXY_HTTPS_PORT", \ControllerConfiguration.httpsPort),
        ] {
            guard let text = environment[name] else { continue }
            guard let port = Int(text), (1...65535).contains(port) else { throw ValidationFailure(name, "must be a port number") }
            configuration[keyPath: keyPath] = port
        }
        if let text = environment["POSTERNPROXY_RATE_LIMIT"] {
            guard let limit = Int(text), limit > 0 else {
                throw ValidationFailure("POSTERNPROXY_RATE_LIMIT", "must be a positive number of requests per minute")
            }
            configuration.requestsPerMinute = limit
        }
        if let text = environment["POSTERNPROXY_TRUSTED_PROXIES"] {
            configuration.trustedProxies = try TrustedProxies(parsing: text, field: "POSTERNPROXY_TRUSTED_PROXIES")
        }
        for (name, keyPath) in [
            ("POSTERNPROXY_AGENT_HEARTBEAT", \ControllerConfiguration.agentHeartbeatSeconds),
            ("POSTERNPROXY_AGENT_OFFLINE_AFTER", \ControllerConfiguration.agentOfflineAfterSeconds),
            ("POSTERNPROXY_AGENT_WRITE_TIMEOUT", \ControllerConfiguration.agentWriteTimeoutSeconds),
            ("POSTERNPROXY_AGENT_TICKET_RENEWAL_SECONDS", \ControllerConfiguration.agentTicketRenewalSeconds),
            ("POSTERNPROXY_AGENT_CONNECT_LIMIT", \ControllerConfiguration.agentConnectionsPerMinute),
            ("POSTERNPROXY_STATUS_SECONDS", \ControllerConfiguration.statusSeconds),
            ("POSTERNPROXY_WATCH_SECONDS", \ControllerConfiguration.watchSeconds),
            ("POSTERNPROXY_IDLE_TIMEOUT_SECONDS", \ControllerConfiguration.idleTimeoutSeconds),
            ("POSTERNPROXY_EXPIRY_CHECK_SECONDS", \ControllerConfiguration.expiryCheckSeconds),
            ("POSTERNPROXY_TRAFFIC_FLUSH_SECONDS", \ControllerConfiguration.trafficFlushSeconds),
        ] {
            guard let text = environment[name] else { continue }
            guard let value = Int(text), (1...100_000).contains(value) else { throw ValidationFailure(name, "must be a positive whole number") }
            configuration[keyPath: keyPath] = value
        }
        if let text = environment["POSTERNPROXY_MAX_CONNECTIONS"] {
            guard let value = Int(text), (16...10_000_000).contains(value) else {
                throw ValidationFailure("POSTERNPROXY_MAX_CONNECTIONS", "must be a whole number from 16")
            }
            configuration.maxConnections = value
        }
        if let url = environment["POSTERNPROXY_PUBLIC_URL"], !url.isEmpty {
            guard ["http://", "https://"].contains(where: url.hasPrefix),
                url.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "\\" }),
                let host = URL(string: url)?.host
            else {
                throw ValidationFailure("POSTERNPROXY_PUBLIC_URL", "must be an http(s):// URL without spaces or quotes")
            }
            // Agent tokens and the TLS-less agent link would cross the network in clear.
            let loopback = host == "localhost" || AddressPolicy.literal(host).map { AddressPolicy.embedded($0).isLoopback } == true
            if url.hasPrefix("http://"), !loopback, environment["POSTERNPROXY_PUBLIC_URL_INSECURE"] != "yes" {
                throw ValidationFailure(
                    "POSTERNPROXY_PUBLIC_URL",
                    "is http:// to another machine, so agent tokens would cross the network unencrypted: "
                        + "use https:// (POSTERNPROXY_TLS_LISTEN serves it), or set POSTERNPROXY_PUBLIC_URL_INSECURE=yes on a network you trust")
            }
            configuration.publicURL = url
        }
        if let folder = environment["POSTERNPROXY_WEB_DIR"], !folder.isEmpty { configuration.webDirectory = folder }
        if let folder = environment["POSTERNPROXY_AGENT_BUNDLE"], !folder.isEmpty { configuration.agentBundleDirectory = folder }
        if let caddy = environment["POSTERNPROXY_PROVISION_CADDY"], !caddy.isEmpty { configuration.provisionCaddyBinary = caddy }
        if let file = environment["POSTERNPROXY_PROVISION_PIPELINES"], !file.isEmpty { configuration.provisionPipelinesFile = file }
        if let transport = environment["POSTERNPROXY_PROVISION_TRANSPORT"], !transport.isEmpty { configuration.provisioningTransport = transport }
        if let pipeline = environment["POSTERNPROXY_APPLY_PIPELINE"] {
            configuration.applyPipeline = pipeline.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        return configuration
    }
}
