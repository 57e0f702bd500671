import Glibc
import JSONCore

/// An ordered list of plugin steps with their configuration, as named in configuration:
///
///     { "provision": ["posternproxy.provision.install-caddy",
///                     {"plugin": "com.example.motd", "config": {"text": "hello"}}] }
///
/// A step is a plugin id, or an object with `plugin` and an optional `config` (any JSON value,
/// handed to the plugin as it is). The same plugin may appear several times.
public struct PipelineDefinition: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        /// The plugin's id.
        public var plugin: String
        /// JSON given to the plugin in `pp_call.config`.
        public var config: [UInt8]

        public init(plugin: String, config: [UInt8] = [UInt8]("{}".utf8)) {
            self.plugin = plugin
            self.config = config
        }
    }

    public var name: String
    public var steps: [Step]

    public init(name: String, steps: [Step]) {
        self.name = name
        self.steps = steps
    }

    /// Reads every pipeline of a configuration document: a JSON object of name → step list.
    public static func parseAll(_ document: [UInt8]) throws(PipelineConfigurationError) -> [String: PipelineDefinition] {
        let parsed: JSON
        do {
            parsed = try JSONParser.parse(document)
        } catch {
            let position = error.lineAndColumn(in: document).map { " (line \($0.line), column \($0.column))" } ?? ""
            throw PipelineConfigurationError(path: "", message: "is not JSON: \(error.problem)\(position)")
        }
        guard case .object(let pipelines) = parsed else {
            throw PipelineConfigurationError(path: "", message: "must be a JSON object of pipeline name → list of steps")
        }
        var result: [String: PipelineDefinition] = [:]
        for (name, value) in pipelines {
            result[name] = try parse(name: name, steps: value)
        }
        return result
    }

    private static func parse(name: String, steps value: JSON) throws(PipelineConfigurationError) -> PipelineDefinition {
        guard case .array(let list) = value else {
            throw PipelineConfigurationError(path: name, message: "must be a list of steps")
        }
        var steps: [Step] = []
        for (index, item) in list.enumerated() {
            let path = "\(name)[\(index)]"
            if case .string(let id) = item {
                steps.append(Step(plugin: id))
                continue
            }
            guard case .object(let members) = item else {
                throw PipelineConfigurationError(path: path, message: "must be a plugin id or {\"plugin\", \"config\"}")
            }
            guard case .string(let id)? = item["plugin"], !id.isEmpty else {
                throw PipelineConfigurationError(path: "\(path).plugin", message: "must be a plugin id")
            }
            if let unknown = members.first(where: { $0.0 != "plugin" && $0.0 != "config" }) {
                throw PipelineConfigurationError(path: "\(path).\(unknown.0)", message: "is not a step field (plugin, config)")
            }
            steps.append(Step(plugin: id, config: [UInt8]((item["config"] ?? .object([])).canonical().serialized())))
        }
        return PipelineDefinition(name: name, steps: steps)
    }
}

/// A pipeline configuration document that cannot be used, with the path of the bad value.
public struct PipelineConfigurationError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String

    public var description: String { path.isEmpty ? "pipeline configuration \(message)" : "pipeline configuration: \(path) \(message)" }
}
