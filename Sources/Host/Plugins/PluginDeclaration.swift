import JSONCore

/// What a plugin declares in its descriptor (ABI 1.2): the JSON Schema its step config must match,
/// and what it needs on the target, shown to an admin before the plugin is enabled. A native
/// plugin runs as the host's user; the declaration is what it says it does, not a sandbox.
public struct PluginDeclaration: Sendable, Equatable {
    /// The schema a pipeline step's config is checked against, when the plugin gives one.
    public var configSchema: ConfigSchema?
    /// Host services it drives ("fail2ban", "crowdsec").
    public var services: [String]
    /// Paths it writes (a folder ends in "/").
    public var writes: [String]
    /// Commands it runs.
    public var runs: [String]

    public init(configSchema: ConfigSchema? = nil, services: [String] = [], writes: [String] = [], runs: [String] = []) {
        self.configSchema = configSchema
        self.services = services
        self.writes = writes
        self.runs = runs
    }

    /// Reads the descriptor's declaration text; the problem names the member that is wrong.
    public init(text: String) throws(DeclarationProblem) {
        let json: JSON
        do { json = try JSONParser.parse(Array(text.utf8)) } catch { throw DeclarationProblem("is not JSON: \(error)") }
        guard let members = json.objectMembers else { throw DeclarationProblem("is not a JSON object") }
        self.init()
        for (name, value) in members {
            switch name {
            case "config_schema":
                do { configSchema = try ConfigSchema(value) } catch {
                    throw DeclarationProblem("config_schema\(error.path.isEmpty ? "" : ".")\(error.path): \(error.message)")
                }
            case "needs":
                guard let needs = value.objectMembers else { throw DeclarationProblem("needs is not an object") }
                for (kind, list) in needs {
                    guard let items = list.arrayValue, let strings = Optional(items.compactMap(\.stringValue)), strings.count == items.count else {
                        throw DeclarationProblem("needs.\(kind) is not a list of strings")
                    }
                    switch kind {
                    case "services": services = strings
                    case "writes": writes = strings
                    case "runs": runs = strings
                    default: throw DeclarationProblem("needs.\(kind) is not known (services, writes, runs)")
                    }
                }
            default: throw DeclarationProblem("member \(name) is not known (config_schema, needs)")
            }
        }
    }

    /// The declaration as the API and the web UI show it.
    public var json: JSON {
        var members: [(String, JSON)] = [("needs", ["services": .strings(services), "writes": .strings(writes), "runs": .strings(runs)])]
        if let configSchema { members.insert(("config_schema", configSchema.source), at: 0) }
        return .object(members)
    }
}

/// Why a declaration was refused.
public struct DeclarationProblem: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension LoadedPlugin {
    /// A step's config as the plugin gets it: checked against the plugin's declared schema, with
    /// its defaults filled in. Unchanged when the plugin declares no schema. The problem lists
    /// every member that breaks the schema, by path. Members named in `hostSettings` (what an
    /// apply pipeline's host adds to every step) are passed on unchecked.
    public func checkedConfig(_ config: [UInt8], hostSettings: Set<String> = []) throws(DeclarationProblem) -> [UInt8] {
        guard let schema = declaration?.configSchema else { return config }
        let json: JSON
        do { json = try JSONParser.parse(config.isEmpty ? Array("{}".utf8) : config) } catch {
            throw DeclarationProblem("config is not JSON: \(error)")
        }
        let members = json.objectMembers ?? []
        let own = json.objectMembers == nil ? json : .object(members.filter { !hostSettings.contains($0.0) })
        let problems = schema.problems(in: own)
        guard problems.isEmpty else {
            throw DeclarationProblem(problems.map(\.description).joined(separator: "; ") + " (the schema \(id) declares)")
        }
        let filled = schema.withDefaults(own)
        guard case .object(let filledMembers) = filled else { return filled.serialized() }
        return JSON.object(filledMembers + members.filter { hostSettings.contains($0.0) }).serialized()
    }
}
