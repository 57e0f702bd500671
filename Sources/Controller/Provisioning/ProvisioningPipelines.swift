import Foundation
import Host

/// The provisioning pipelines: `provision` installs and hardens a server;
/// `update-agent` copies the agent bundle and restarts the agent. Each step is a plugin with its
/// config; `POSTERNPROXY_PROVISION_PIPELINES` may name a JSON file of pipelines (the format of
/// `posternproxy pipeline run`) to add or replace steps, a third party's among them.
enum ProvisioningPipelines {
    static let provision = "provision"
    static let updateAgent = "update-agent"

    static let defaults: [String: PipelineDefinition] = [
        provision: PipelineDefinition(
            name: provision,
            steps: [
                step("posternproxy.ssh", part: "caddy"),
                step("posternproxy.hardening", part: "ufw"),
                step("posternproxy.hardening", part: "fail2ban"),
                step("posternproxy.hardening", part: "unattended-upgrades"),
                step("posternproxy.hardening", part: "sysctl"),
                step("posternproxy.ssh", part: "agent"),
            ]),
        updateAgent: PipelineDefinition(name: updateAgent, steps: [step("posternproxy.ssh", part: "agent")]),
    ]

    /// The defaults, with those of `file` (when given) in their place.
    static func load(file: String?) throws -> [String: PipelineDefinition] {
        guard let file else { return defaults }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ValidationFailure("POSTERNPROXY_PROVISION_PIPELINES", "cannot read \(file)")
        }
        do {
            return defaults.merging(try PipelineDefinition.parseAll(data)) { $1 }
        } catch {
            throw ValidationFailure("POSTERNPROXY_PROVISION_PIPELINES", "\(error)")
        }
    }

    private static func step(_ plugin: String, part: String) -> PipelineDefinition.Step {
        PipelineDefinition.Step(plugin: plugin, config: Data(#"{"part":"\#(part)"}"#.utf8))
    }
}
