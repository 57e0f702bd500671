import Glibc
import JSONCore

extension PipelineReport {
    /// Per resource (`<type>_<id>`), what the steps reported; a failure in any step wins.
    public var resourceOutcomes: [String: ResourceOutcome] {
        var collected: [String: ResourceOutcome] = [:]
        for step in steps {
            guard let data = step.result, let results: [String: JSON] = try? JSONObject.leadingMember("resource_results", of: data) else { continue }
            for (key, entry) in results where collected[key]?.status != .failed {
                guard let outcome = try? ResourceOutcome(json: entry) else { continue }
                collected[key] = outcome
            }
        }
        return collected
    }

    /// Why the pipeline did not apply, or nil when it did.
    public var failureMessage: String? {
        switch status {
        case .succeeded: nil
        case .failed(let step, let phase, let message): "\(step) failed in \(phase.rawValue): \(message)"
        case .cancelled: "the apply was cancelled"
        }
    }
}

extension PipelineReport {
    /// The processes the steps' plans ask the host to keep running (`"processes"`), or nil when
    /// the pipeline did not succeed (what runs then stays as it is).
    public var managedProcesses: [ManagedProcess]? {
        guard case .succeeded = status else { return nil }
        return steps.flatMap { step -> [ManagedProcess] in
            guard let data = step.plan, let entries: [JSON] = try? JSONObject.member("processes", of: data) else { return [] }
            return entries.compactMap { entry in
                guard let fields = try? JSONObject(entry), let id: String = try? fields.required("id"),
                    let argv: [String] = try? fields.required("argv"), !argv.isEmpty
                else { return nil }
                return ManagedProcess(id: "\(step.step.plugin)/\(id)", argv: argv)
            }
        }
    }
}

extension ResourceOutcome: JSONReadable {
    /// A step's `resource_results` entry: any status but `failed` counts as applied.
    public init(json: JSON) throws(JSONReadError) {
        let object = try JSONObject(json)
        let status: String = try object.required("status")
        self.init(status: status == "failed" ? .failed : .applied, message: try object.optional("message"))
    }
}
