import Foundation

extension PipelineReport {
    /// One resource's outcome as the steps reported it in their journals' `resource_results`.
    public struct ResourceOutcome: Sendable, Equatable {
        /// `applied` or `failed`.
        public var status: String
        public var message: String?
    }

    /// Per resource (`<type>_<id>`), what the steps reported; a failure in any step wins.
    public var resourceOutcomes: [String: ResourceOutcome] {
        var collected: [String: ResourceOutcome] = [:]
        for step in steps {
            guard let data = step.result, let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let results = object["resource_results"] as? [String: [String: Any]]
            else { continue }
            for (key, entry) in results {
                guard let status = entry["status"] as? String else { continue }
                let outcome = ResourceOutcome(status: status == "failed" ? "failed" : "applied", message: entry["message"] as? String)
                if collected[key]?.status != "failed" { collected[key] = outcome }
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
            guard let data = step.plan, let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let entries = object["processes"] as? [[String: Any]]
            else { return [] }
            return entries.compactMap { entry in
                guard let id = entry["id"] as? String, let argv = entry["argv"] as? [String], !argv.isEmpty else { return nil }
                return ManagedProcess(id: "\(step.step.plugin)/\(id)", argv: argv)
            }
        }
    }
}
