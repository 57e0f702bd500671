import Host

/// What the data plane runs: the revision and hash of the last desired state applied, and the
/// resources whose outcome was not a plain success. The desired state itself is not held here:
/// with 10,000 hosts it is megabytes that only a re-apply reads, so it stays in the state folder
/// (``AppliedStateFolder``).
struct AppliedState: Codable, Sendable, Equatable {
    var revision: Int64 = 0
    var hash: String?
    /// The resources that failed or carry a message; the controller takes every resource missing
    /// here as applied, so an apply of 10,000 hosts that all applied keeps (and reports) nothing.
    var outcomes: [String: ResourceOutcome] = [:]

    init(revision: Int64 = 0, hash: String? = nil, outcomes: [String: ResourceOutcome] = [:]) {
        self.revision = revision
        self.hash = hash
        self.outcomes = Self.notable(outcomes)
    }

    /// Whether a desired state of `revision` may replace this one: never an older revision.
    func accepts(revision newRevision: Int64) -> Bool { newRevision >= revision }

    /// The outcomes worth keeping and reporting: those that are not a plain "applied".
    static func notable(_ outcomes: [String: ResourceOutcome]) -> [String: ResourceOutcome] {
        outcomes.filter { $0.value != ResourceOutcome(status: .applied) }
    }
}
