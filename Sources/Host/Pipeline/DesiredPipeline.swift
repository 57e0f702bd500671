import JSONCore

/// The apply pipeline a server's desired state names, when the controller keeps one for it: the
/// `pipeline` member of the state,
///
///     {"steps": [{"plugin": "posternproxy.caddy"},
///                {"plugin": "com.example.motd", "version": "1.1.0", "sha256": "9f…", "config": {"text": "hi"}}]}
///
/// A step with `sha256` is a plugin from the controller's catalog: the host runs exactly those
/// bytes, fetched from the controller when it lacks them. A step without one is a plugin the host
/// ships with (its plugins folder). Without the member, the host runs the pipeline it is
/// configured with.
public struct DesiredPipeline: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public var plugin: String
        public var version: String?
        /// Lower-case hex SHA-256 of the plugin's shared object, for a catalog plugin.
        public var sha256: String?
        /// The step's own config (a JSON object); the host adds its data plane settings.
        public var config: JSON

        public init(plugin: String, version: String? = nil, sha256: String? = nil, config: JSON = .object([])) {
            self.plugin = plugin
            self.version = version
            self.sha256 = sha256
            self.config = config
        }
    }

    public var steps: [Step]

    public init(steps: [Step]) { self.steps = steps }

    /// The catalog plugins the pipeline runs, by SHA-256.
    public var catalogPlugins: [(id: String, version: String?, sha256: String)] {
        steps.compactMap { step in step.sha256.map { (step.plugin, step.version, $0) } }
    }

    public init(json: JSON) throws(PipelineConfigurationError) {
        guard let list = json["steps"]?.arrayValue else {
            throw PipelineConfigurationError(path: "pipeline.steps", message: "must be a list of steps")
        }
        var steps: [Step] = []
        for (index, item) in list.enumerated() {
            let path = "pipeline.steps[\(index)]"
            guard let plugin = item["plugin"]?.stringValue, PluginIdentifier.isValid(plugin) else {
                throw PipelineConfigurationError(path: "\(path).plugin", message: "must be a plugin id")
            }
            let sha256 = item["sha256"]?.stringValue
            if let sha256, !PluginDigest.isValid(sha256) {
                throw PipelineConfigurationError(path: "\(path).sha256", message: "must be 64 lower-case hex digits")
            }
            let config = item["config"] ?? .object([])
            guard config.objectMembers != nil else {
                throw PipelineConfigurationError(path: "\(path).config", message: "must be a JSON object")
            }
            steps.append(Step(plugin: plugin, version: item["version"]?.stringValue, sha256: sha256, config: config))
        }
        self.steps = steps
    }

    /// The pipeline a desired state names, or nil when it names none; reads the state only up
    /// to that member (the controller sorts a state's members by name, so it comes before the
    /// hosts), leaving the rest to the steps that read it.
    public static func read(fromState state: [UInt8]) throws -> DesiredPipeline? {
        guard let member = try JSONParser.leadingMember("pipeline", of: state), member != .null else { return nil }
        return try DesiredPipeline(json: member)
    }

    public var json: JSON {
        .object([
            (
                "steps",
                .array(
                    steps.map { step in
                        var members: [(String, JSON)] = [("plugin", .string(step.plugin))]
                        if let version = step.version { members.append(("version", .string(version))) }
                        if let sha256 = step.sha256 { members.append(("sha256", .string(sha256))) }
                        members.append(("config", step.config))
                        return .object(members)
                    })
            )
        ])
    }
}
