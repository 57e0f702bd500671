import Foundation
import PluginKit

/// The hardening profiles of `posternproxy.hardening`, chosen by the step's config
/// `{"part": "ufw" | "fail2ban" | "unattended-upgrades" | "sysctl"}`; the input carries the
/// server's `ssh_port`. Each is a list of actions the host checks and performs (idempotent):
///
/// - `ufw`: UFW installed; 80, 443 and the SSH port allowed; everything else denied; enabled.
/// - `fail2ban`: installed, with an sshd jail on the SSH port.
/// - `unattended-upgrades`: installed, with daily security updates switched on.
/// - `sysctl`: rp_filter=1, tcp_syncookies=1, no ICMP redirects, ip_forward=1 (port forwards).
enum HardeningProfile {
    static let withSystemd = ["test", "-d", "/run/systemd/system"]

    static func actions(_ call: PluginCall) throws -> Int32 {
        let part = ProfileActions.part(of: call.config)
        struct Input: Decodable { var ssh_port: Int? }
        guard let sshPort = (try? JSONDecoder().decode(Input.self, from: Data(call.input)))?.ssh_port, (1...65535).contains(sshPort) else {
            throw PluginFailure("input.ssh_port must be 1-65535")
        }
        let actions: [ProfileAction]
        switch part {
        case "ufw": actions = ufw(sshPort: sshPort)
        case "fail2ban": actions = fail2ban(sshPort: sshPort)
        case "unattended-upgrades": actions = unattendedUpgrades()
        case "sysctl": actions = sysctl()
        default: throw PluginFailure("config.part must be ufw, fail2ban, unattended-upgrades or sysctl")
        }
        return call.write(try ProfileActions.encoded(actions))
    }

    static func ufw(sshPort: Int) -> [ProfileAction] {
        var actions = [install("ufw")]
        // The SSH port first, so enabling can never lock the provisioning session out.
        for port in [sshPort, 80, 443] {
            actions.append(
                ProfileActions.command(["ufw", "allow", "\(port)/tcp"], check: ["ufw", "show", "added"], checkContains: "ufw allow \(port)/tcp"))
        }
        actions += [
            ProfileActions.command(
                ["ufw", "default", "deny", "incoming"], check: ["grep", "-q", "^DEFAULT_INPUT_POLICY=\"DROP\"", "/etc/default/ufw"]),
            ProfileActions.command(
                ["ufw", "default", "allow", "outgoing"], check: ["grep", "-q", "^DEFAULT_OUTPUT_POLICY=\"ACCEPT\"", "/etc/default/ufw"]),
            ProfileActions.command(["ufw", "--force", "enable"], check: ["ufw", "status"], checkContains: "Status: active"),
        ]
        return actions
    }

    static func fail2ban(sshPort: Int) -> [ProfileAction] {
        let jail = "/etc/fail2ban/jail.d/posternproxy.local"
        return [
            install("fail2ban"),
            file(
                jail,
                content: """
                    # Written by PosternProxy provisioning.
                    [sshd]
                    enabled = true
                    port = \(sshPort)
                    maxretry = 5
                    findtime = 10m
                    bantime = 1h
                    backend = systemd

                    """),
            ProfileActions.command(["systemctl", "enable", "fail2ban"], check: ["systemctl", "is-enabled", "fail2ban"], onlyIf: withSystemd),
            ProfileActions.command(["systemctl", "restart", "fail2ban"], afterChangeOf: [jail], onlyIf: withSystemd),
        ]
    }

    static func unattendedUpgrades() -> [ProfileAction] {
        [
            install("unattended-upgrades"),
            file(
                "/etc/apt/apt.conf.d/20auto-upgrades",
                content: """
                    APT::Periodic::Update-Package-Lists "1";
                    APT::Periodic::Unattended-Upgrade "1";

                    """),
        ]
    }

    static func sysctl() -> [ProfileAction] {
        let path = "/etc/sysctl.d/90-posternproxy.conf"
        return [
            file(
                path,
                content: """
                    # Written by PosternProxy provisioning.
                    net.ipv4.conf.all.rp_filter = 1
                    net.ipv4.conf.default.rp_filter = 1
                    net.ipv4.tcp_syncookies = 1
                    net.ipv4.conf.all.accept_redirects = 0
                    net.ipv4.conf.default.accept_redirects = 0
                    net.ipv4.conf.all.send_redirects = 0
                    net.ipv4.conf.default.send_redirects = 0
                    net.ipv6.conf.all.accept_redirects = 0
                    net.ipv6.conf.default.accept_redirects = 0
                    net.ipv4.ip_forward = 1

                    """),
            ProfileActions.command(
                ["sysctl", "-q", "-p", path],
                check: [
                    "sh", "-c",
                    "test \"$(sysctl -n net.ipv4.ip_forward net.ipv4.tcp_syncookies net.ipv4.conf.all.rp_filter net.ipv4.conf.all.accept_redirects | tr '\\n' ' ')\" = '1 1 1 0 '",
                ],
                summary: "apply the kernel settings"),
        ]
    }

    // MARK: - Vocabulary

    static func install(_ package: String) -> ProfileAction {
        ProfileActions.command(
            ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q", package],
            check: ["dpkg-query", "-W", "-f", "${Status}", package], checkContains: "install ok installed", summary: "install \(package)")
    }

    static func file(_ path: String, content: String) -> ProfileAction { ProfileActions.file(path, content: content) }
}
