import Foundation
import PluginKit

/// What the controller gives the provisioning profiles: where the agent reaches it, the agent's
/// token, and the files on the controller's disk to install.
struct ProvisioningInput: Decodable {
    struct BundleFile: Decodable {
        /// Path on the controller.
        var source: String
        /// Absolute path on the server.
        var path: String
        var mode: UInt32
    }

    var controller_url: String
    var agent_token: String
    var ssh_port: Int
    /// A Caddy binary (with layer4 and rate-limit) to upload; nil builds one with xcaddy.
    var caddy_binary: String?
    /// The agent bundle: the agent, its plugins and the runtime libraries they need.
    var agent_files: [BundleFile]

    static func decode(_ bytes: [UInt8]) throws -> ProvisioningInput {
        let input = try JSONDecoder().decode(ProvisioningInput.self, from: Data(bytes))
        for (name, value) in [("controller_url", input.controller_url), ("agent_token", input.agent_token)] {
            guard !value.isEmpty, value.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && $0 != "\"" && $0 != "\\" }) else {
                throw PluginFailure("\(name) must be one printable word")
            }
        }
        guard (1...65535).contains(input.ssh_port) else { throw PluginFailure("ssh_port must be 1-65535") }
        for file in input.agent_files where !file.path.hasPrefix("/usr/local/") || file.path.contains("/../") {
            throw PluginFailure("agent files go under /usr/local: \(file.path)")
        }
        return input
    }
}
