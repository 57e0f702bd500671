import Foundation
import PluginAPI
import PluginKit

/// `posternproxy.describe/1` for the provisioning profiles.
///
/// Input `{}`: where the `agent` part writes the agent's settings and which `NAME=value` line
/// holds its token, so the controller can keep a token that is still valid when it provisions a
/// server again (and the agent keeps running).
///
/// Input `{"uninstall": true}`, asked on a provisioned server: the shell commands an admin runs
/// there to remove the agent the way it was installed (as a systemd service, or started with
/// start-stop-daemon where systemd is not running). Caddy is left in place: it may serve more
/// than this server's hosts.
enum ProvisioningDescription {
    struct Answer: Encodable {
        struct AgentConfig: Encodable {
            var path: String
            var token_variable: String
        }

        var agent_config: AgentConfig
        var uninstall_commands: [String]?
    }

    private struct Question: Decodable {
        var uninstall: Bool?
    }

    static func describe(_ call: PluginCall) throws -> Int32 {
        let question = (try? JSONDecoder().decode(Question.self, from: Data(call.input))) ?? Question()
        var answer = Answer(agent_config: .init(path: ProvisioningProfile.agentConfig, token_variable: ProvisioningProfile.tokenVariable))
        if question.uninstall == true {
            let systemd = call.host.run(ProvisioningProfile.withSystemd, probe: true, quiet: true)
            guard systemd.status == PP_OK else { throw PluginFailure("cannot tell whether systemd runs on the server") }
            answer.uninstall_commands = systemd.exitStatus == 0 ? withSystemd : withoutSystemd
        }
        return call.write(try JSONEncoder().encode(answer))
    }

    static let withSystemd = [
        "systemctl disable --now posternproxy-agent",
        "rm -f \(ProvisioningProfile.agentUnit) /usr/local/bin/posternproxy-agent",
        "rm -rf /etc/posternproxy-agent /usr/local/lib/posternproxy-agent /var/lib/posternproxy-agent",
        "systemctl daemon-reload",
        "userdel posternproxy-agent",
    ]

    static let withoutSystemd = [
        "start-stop-daemon --stop --oknodo --retry 5 --pidfile /run/posternproxy-agent.pid",
        "rm -f /run/posternproxy-agent.pid /usr/local/bin/posternproxy-agent \(ProvisioningProfile.agentUnit) /var/log/posternproxy-agent.log",
        "rm -rf /etc/posternproxy-agent /usr/local/lib/posternproxy-agent /var/lib/posternproxy-agent /run/posternproxy-agent",
        "userdel posternproxy-agent",
    ]
}
