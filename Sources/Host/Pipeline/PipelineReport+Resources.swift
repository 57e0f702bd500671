import Glibc
import JSONCore

extension PipelineReport {
    /// Per resource (`<type>_<id>`), what the steps reported; a failure in any step wins. An
    /// entry that is not an outcome (no `status` string, a `message` that is not a string) is
    /// left out; a step whose `resource_results` is not a JSON object of them reports none.
    ///
    /// Read from each step's result as it lies, without a tree of JSON values: a result
    /// carries an entry per resource (10,000 at 10,000 hosts), and this is read after every
    /// apply, while Caddy starts to answer with the new config.
    public var resourceOutcomes: [String: ResourceOutcome] {
        var collected: [String: ResourceOutcome] = [:]
        for step in steps {
            guard let data = step.result,
                let results = try? JSONReader.leadingMember("resource_results", of: data, as: ReportedOutcomes.self)
            else { continue }
            if collected.isEmpty { collected.reserveCapacity(results.entries.count) }
            for (key, outcome) in results.entries where collected[key]?.status != .failed {
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

/// A step's `resource_results`, entry by entry in their order: each entry that is an outcome as
/// ``ResourceOutcome/init(json:)`` reads one, the others (a missing or non-string `status`, a
/// `message` that is neither a string nor null) left out without failing the rest.
private struct ReportedOutcomes: JSONStreamReadable {
    var entries: [(key: String, outcome: ResourceOutcome)] = []

    init(from reader: inout JSONReader) throws(JSONReadError) {
        try reader.enterObject()
        while let name = try reader.nextMember() {
            if let outcome = try Self.outcome(&reader) { entries.append((name.string, outcome)) }
        }
    }

    /// The entry that comes next; nil when it is JSON but not an outcome.
    private static func outcome(_ reader: inout JSONReader) throws(JSONReadError) -> ResourceOutcome? {
        guard reader.nextByte == UInt8(ascii: "{") else {
            try reader.skip()
            return nil
        }
        try reader.enterObject()
        var status: String?
        var message: String?
        var wellFormed = true
        while let name = try reader.nextMember() {
            let isString = reader.nextByte == UInt8(ascii: "\"")
            switch name {
            case "status" where isString: status = try reader.string()
            case "message" where isString: message = try reader.string()
            case "message" where reader.nextByte == UInt8(ascii: "n"):
                _ = try reader.readNull()
                message = nil
            case "status", "message":
                wellFormed = false
                try reader.skip()
            default: try reader.skip()
            }
        }
        guard wellFormed, let status else { return nil }
        return ResourceOutcome(status: status == "failed" ? .failed : .applied, message: message)
    }
}
