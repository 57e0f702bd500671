import Foundation
import PluginKit

/// `posternproxy.describe/1` for the provisioning profiles: where the `agent` part writes the
/// agent's settings and which `NAME=value` line holds its token, so the controller can keep a
/// token that is still valid when it provisions a server again (and the agent keeps running).
enum ProvisioningDescription {
    struct Answer: Encodable {
        struct AgentConfig: Encodable {
            var path: String
            var token_variable: String
        }

        var agent_config: AgentConfig
    }

    static func describe(_ call: PluginCall) throws -> Int32 {
        let answer = Answer(agent_config: .init(path: ProvisioningProfile.agentConfig, token_variable: ProvisioningProfile.tokenVariable))
        return call.write(try JSONEncoder().encode(answer))
    }
}
