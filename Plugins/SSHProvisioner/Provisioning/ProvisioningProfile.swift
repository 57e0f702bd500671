import Foundation
import PluginKit

/// The provisioning profiles of `posternproxy.ssh`, chosen by the step's config
/// `{"part": "caddy" | "agent"}`. Each only describes actions; the host checks and performs
/// them, so a second run on a provisioned server changes nothing.
///
/// - `caddy`: the Caddy binary (uploaded from the controller, or built with xcaddy with the
///   layer4 and rate-limit modules), its system user, its first config (admin API on a unix
///   socket) and its hardened unit, started.
/// - `agent`: the agent's system user, the bundle (agent, plugins, runtime libraries), its
///   `config.env` (0600), its hardened unit, started — and restarted when any of it changed.
///
/// Where systemd is not running (a container), services are started with start-stop-daemon.
enum ProvisioningProfile {
    static let agentConfig = "/etc/posternproxy-agent/config.env"
    /// The line of `agentConfig` that holds the agent's token.
    static let tokenVariable = "POSTERNPROXY_AGENT_TOKEN"
    static let caddyConfig = "/etc/caddy/posternproxy.json"
    /// Caddy's home and state; its certificate manager's log, which the agent reads as a member
    /// of Caddy's group, is kept there.
    static let caddyHome = "/var/lib/caddy"
    static let certificateLog = "/var/lib/caddy/posternproxy-certificates.log"
    static let agentUnit = "/etc/systemd/system/posternproxy-agent.service"
    static let caddyUnit = "/etc/systemd/system/caddy.service"
    static let withSystemd = ["test", "-d", "/run/systemd/system"]
    static let withoutSystemd = ["sh", "-c", "! test -d /run/systemd/system"]

    static func actions(_ call: PluginCall) throws -> Int32 {
        let part = ProfileActions.part(of: call.config)
        let input = try ProvisioningInput.decode(call.input)
        let actions: [ProfileAction]
        switch part {
        case "caddy": actions = caddy(input)
        case "agent": actions = agent(input)
        default: throw PluginFailure("config.part must be \"caddy\" or \"agent\"")
        }
        return call.write(try ProfileActions.encoded(actions))
    }

    static func caddy(_ input: ProvisioningInput) -> [ProfileAction] {
        var actions = [
            systemUser("caddy", home: caddyHome),
            // Caddy keeps its certificates here; without systemd's StateDirectory nothing else makes it.
            ProfileActions.command(
                ["install", "-d", "-o", "caddy", "-g", "caddy", "-m", "0750", caddyHome],
                check: ["sh", "-c", "test \"$(stat -c %U:%G /var/lib/caddy)\" = caddy:caddy"]),
        ]
        if let binary = input.caddy_binary {
            actions.append(file("/usr/local/bin/caddy", source: binary, mode: 0o755))
        } else {
            actions += [
                ProfileActions.command(
                    ["apt-get", "install", "-y", "golang-go"], check: ["sh", "-c", "command -v go"], summary: "install Go for xcaddy"),
                ProfileActions.command(
                    ["env", "GOBIN=/usr/local/bin", "go", "install", "github.com/caddyserver/xcaddy/cmd/xcaddy@latest"],
                    check: ["test", "-x", "/usr/local/bin/xcaddy"], summary: "install xcaddy"),
                ProfileActions.command(
                    [
                        "/usr/local/bin/xcaddy", "build", "--output", "/usr/local/bin/caddy", "--with", "github.com/mholt/caddy-l4",
                        "--with", "github.com/mholt/caddy-ratelimit",
                    ],
                    check: [
                        "sh", "-c",
                        "/usr/local/bin/caddy list-modules | grep -q '^layer4$' && /usr/local/bin/caddy list-modules | grep -q '^http.handlers.rate_limit$'",
                    ],
                    summary: "build Caddy with layer4 and rate-limit"),
            ]
        }
        actions += [
            file(caddyConfig, content: #"{"admin": {"listen": "unix//run/caddy/admin.sock|0660"}}"# + "\n", mode: 0o644),
            file(caddyUnit, content: unit("caddy.service"), mode: 0o644),
            ProfileActions.command(["systemctl", "daemon-reload"], afterChangeOf: [caddyUnit], onlyIf: withSystemd),
            ProfileActions.command(["systemctl", "enable", "--now", "caddy"], check: ["systemctl", "is-active", "caddy"], onlyIf: withSystemd),
            ProfileActions.command(["systemctl", "restart", "caddy"], afterChangeOf: ["/usr/local/bin/caddy", caddyUnit], onlyIf: withSystemd),
            ProfileActions.command(
                ["install", "-d", "-o", "caddy", "-g", "caddy", "-m", "0750", "/run/caddy"], check: ["test", "-d", "/run/caddy"],
                onlyIf: withoutSystemd),
            // Without systemd to grant it, the binary itself carries the right to bind ports 80 and 443.
            ProfileActions.command(
                ["setcap", "cap_net_bind_service=+ep", "/usr/local/bin/caddy"], check: ["getcap", "/usr/local/bin/caddy"],
                checkContains: "cap_net_bind_service", onlyIf: withoutSystemd),
            ProfileActions.command(
                ["start-stop-daemon", "--stop", "--quiet", "--oknodo", "--retry", "5", "--pidfile", "/run/caddy.pid"],
                afterChangeOf: ["/usr/local/bin/caddy"], onlyIf: withoutSystemd),
            ProfileActions.command(
                [
                    "start-stop-daemon", "--start", "--background", "--make-pidfile", "--pidfile", "/run/caddy.pid", "--chuid", "caddy:caddy",
                    "--output", "/var/log/caddy-posternproxy.log",
                    "--startas", "/usr/bin/env", "--", "HOME=/var/lib/caddy", "XDG_DATA_HOME=/var/lib/caddy", "XDG_CONFIG_HOME=/var/lib/caddy",
                    "/usr/local/bin/caddy", "run", "--resume", "--config", caddyConfig,
                ],
                check: ["start-stop-daemon", "--status", "--pidfile", "/run/caddy.pid"], onlyIf: withoutSystemd, summary: "start Caddy"),
        ]
        return actions
    }

    static func agent(_ input: ProvisioningInput) -> [ProfileAction] {
        let config = """
            # Written by PosternProxy provisioning.
            POSTERNPROXY_CONTROLLER_URL=\(input.controller_url)
            \(tokenVariable)=\(input.agent_token)
            POSTERNPROXY_CADDY_ADMIN=/run/caddy/admin.sock
            POSTERNPROXY_CADDY=/usr/local/bin/caddy
            POSTERNPROXY_CADDY_CERTIFICATE_LOG=\(certificateLog)
            POSTERNPROXY_PLUGINS_DIR=/usr/local/lib/posternproxy-agent/plugins
            POSTERNPROXY_STATE_DIR=/var/lib/posternproxy-agent

            """
        let installed = input.agent_files.map(\.path) + [agentConfig, agentUnit]
        var actions = [systemUser("posternproxy-agent", home: "/var/lib/posternproxy-agent")]
        actions += input.agent_files.map { file($0.path, source: $0.source, mode: $0.mode) }
        actions += [
            ProfileActions.command(
                ["install", "-d", "-o", "posternproxy-agent", "-g", "posternproxy-agent", "-m", "0700", "/var/lib/posternproxy-agent"],
                check: ["sh", "-c", "test \"$(stat -c %U:%a /var/lib/posternproxy-agent)\" = posternproxy-agent:700"]),
            file(agentConfig, content: config, mode: 0o600),
            ProfileActions.command(
                ["chown", "posternproxy-agent:posternproxy-agent", agentConfig],
                check: ["stat", "-c", "%U", agentConfig], checkContains: "posternproxy-agent\n"),
            ProfileActions.command(
                ["usermod", "-a", "-G", "caddy", "posternproxy-agent"], check: ["id", "-nG", "posternproxy-agent"], checkContains: "caddy"),
            file(agentUnit, content: unit("posternproxy-agent.service"), mode: 0o644),
            ProfileActions.command(["systemctl", "daemon-reload"], afterChangeOf: [agentUnit], onlyIf: withSystemd),
            ProfileActions.command(
                ["systemctl", "enable", "--now", "posternproxy-agent"], check: ["systemctl", "is-active", "posternproxy-agent"], onlyIf: withSystemd),
            ProfileActions.command(["systemctl", "restart", "posternproxy-agent"], afterChangeOf: installed, onlyIf: withSystemd),
            ProfileActions.command(
                ["start-stop-daemon", "--stop", "--quiet", "--oknodo", "--retry", "5", "--pidfile", "/run/posternproxy-agent.pid"],
                afterChangeOf: installed, onlyIf: withoutSystemd, summary: "stop the agent to restart it"),
            // Without systemd, the agent still runs as its own user with only the unit's
            // capabilities (setpriv grants them, as AmbientCapabilities does) and its lock folder.
            ProfileActions.command(
                ["install", "-d", "-o", "posternproxy-agent", "-g", "posternproxy-agent", "-m", "0700", "/run/posternproxy-agent"],
                check: ["test", "-d", "/run/posternproxy-agent"], onlyIf: withoutSystemd),
            ProfileActions.command(
                [
                    "start-stop-daemon", "--start", "--background", "--make-pidfile", "--pidfile", "/run/posternproxy-agent.pid",
                    "--output", "/var/log/posternproxy-agent.log", "--startas", "/usr/bin/setpriv", "--",
                    "--reuid=posternproxy-agent", "--regid=posternproxy-agent", "--init-groups",
                    "--inh-caps=-all,+net_admin,+net_raw", "--ambient-caps=-all,+net_admin,+net_raw",
                    "--bounding-set=-all,+net_admin,+net_raw,+net_bind_service",
                    "/usr/bin/env", "XTABLES_LOCKFILE=/run/posternproxy-agent/xtables.lock", "/usr/local/bin/posternproxy-agent", "--config",
                    agentConfig,
                ],
                check: ["start-stop-daemon", "--status", "--pidfile", "/run/posternproxy-agent.pid"], onlyIf: withoutSystemd,
                summary: "start the agent as posternproxy-agent"),
        ]
        return actions
    }

    // MARK: - Vocabulary

    static func systemUser(_ name: String, home: String) -> ProfileAction {
        ProfileActions.command(
            ["useradd", "--system", "--home-dir", home, "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            check: ["id", "-u", name], summary: "create the system user \(name)")
    }

    static func file(_ path: String, content: String? = nil, source: String? = nil, mode: UInt32) -> ProfileAction {
        ProfileActions.file(path, content: content, source: source, mode: mode)
    }

    /// A unit file shipped with the plugin (hardened: see the files beside this one).
    static func unit(_ name: String) -> String { Units.text[name] ?? "" }
}
