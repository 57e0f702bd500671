import JSONCore

/// A host's access log as the first step of a pipeline that can say reads it
/// (`posternproxy.describe/1` with `{"access_log": query}`).
public enum DataPlaneAccessLog {
    /// The lines and whether a log was found; a failure's message otherwise.
    public static func read(
        _ query: AccessLogQuery, pipeline: PipelineDefinition, catalog: PluginCatalog, target: some Target
    ) -> Result<(lines: [JSON], found: Bool), AccessLogFailure> {
        guard let (step, plugin) = pipeline.describingStep(in: catalog) else {
            return .failure(AccessLogFailure(message: "no step of the apply pipeline reads access logs"))
        }
        let input = [UInt8](JSON.object([("access_log", query.json)]).serialized())
        do {
            let answer = try JSONParser.parse(try plugin.describe(config: step.config, input: input, target: target))
            guard case .array(let lines)? = answer["lines"] else { return .failure(AccessLogFailure(message: "the step answered no lines")) }
            return .success((Array(lines.prefix(query.limit)), answer["found"] != .bool(false)))
        } catch let error as PluginCallError {
            return .failure(AccessLogFailure(message: error.message))
        } catch {
            return .failure(AccessLogFailure(message: "the step's answer is not JSON"))
        }
    }
}

public struct AccessLogFailure: Error, Sendable {
    public var message: String
}
