import Foundation
import Host

/// The provisioning pipelines: `provision` installs and hardens a server;
/// `update-agent` copies the agent bundle and restarts the agent. Each step is a plugin with its
/// config; `POSTERNPROXY_PROVISION_PIPELINES` may name a JSON file of pipelines (the format of
/// `posternproxy pipeline run`) to add or replace steps, a third party's among them.
enum ProvisioningPipelines {
    static let provision = "provision"
    static let updateAgent = "update-agent"

    /// `defaults`, with those of `file` (when given) in their place.
    static func load(defaults: [String: PipelineDefinition], file: String?) throws -> [String: PipelineDefinition] {
        guard let file else { return defaults }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ValidationFailure("POSTERNPROXY_PROVISION_PIPELINES", "cannot read \(file)")
        }
        do {
            return defaults.merging(try PipelineDefinition.parseAll(Array(data))) { $1 }
        } catch {
            throw ValidationFailure("POSTERNPROXY_PROVISION_PIPELINES", "\(error)")
        }
    }
}
