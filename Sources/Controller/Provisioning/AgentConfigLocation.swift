import Foundation
import Host
import JSONCore

/// Where a provisioning pipeline keeps the agent's settings on a server, and which `NAME=value`
/// line holds its token, as the pipeline's first describing step says (`posternproxy.describe/1`
/// answering `agent_config`). Without it, every provisioning run issues a fresh token.
struct AgentConfigLocation: Sendable, Equatable {
    var path: String
    var tokenVariable: String

    static func described(by pipeline: PipelineDefinition, catalog: PluginCatalog, target: some Target) -> AgentConfigLocation? {
        guard let answer = pipeline.description(input: "{}", catalog: catalog, target: target),
            let config: JSON = try? answer.required("agent_config"), let fields = try? JSONObject(config),
            let path: String = try? fields.required("path"), path.hasPrefix("/"),
            let variable: String = try? fields.required("token_variable"), !variable.isEmpty, !variable.contains("=")
        else { return nil }
        return AgentConfigLocation(path: path, tokenVariable: variable)
    }

    /// The token in `file` (the settings file's text), if a line sets it.
    func token(in file: [UInt8]) -> String? {
        let prefix = tokenVariable + "="
        return String(decoding: file, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }
}
