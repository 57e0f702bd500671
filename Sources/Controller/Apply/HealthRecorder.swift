import Host

/// Records one server's status reports (an agent's, or the local data plane's): that it was
/// heard from and its upstream health when it changed, noted for the next batch write
/// (``HeardFrom``); the certificate states only when they changed, and a data-plane problem
/// (Caddy restarted empty, or does not answer) as the server's error, and as the failure of each
/// resource it served, until a report without it, written at once. The browsers are told when
/// any changed.
actor HealthRecorder {
    let serverID: Int64
    private let store: Store
    private let heard: HeardFrom
    private var lastHealth: String?
    private var lastCertificates: [AgentMessage.CertificateState]?
    private var lastProblem: String?
    private var lookedAtStoredProblem = false

    init(serverID: Int64, store: Store, heard: HeardFrom) {
        self.serverID = serverID
        self.store = store
        self.heard = heard
    }

    func record(_ report: AgentMessage.StatusReport) async throws {
        if let traffic = report.traffic {
            store.traffic.record(serverID: serverID, traffic)
            if traffic.refused > 0 {
                store.traffic.noteRefused(serverID: serverID, count: traffic.refused)
            }
        }
        let health = UpstreamHealthReport.json(running: report.caddyRunning, upstreams: report.upstreams)
        // A data plane that does not report certificates leaves what is known of them as it was.
        let certificates = report.certificates.flatMap { $0 == lastCertificates ? nil : $0 }
        let problem = report.problem
        // The stored problem is looked at on the first report (it may be left from before a
        // restart or a reconnection) and whenever the problem changes.
        let look = !lookedAtStoredProblem || problem != lastProblem
        if health != lastHealth { heard.note(serverID, health: health) } else { heard.note(serverID) }
        if certificates != nil || look {
            try await write(certificates: certificates, problem: problem, comparingProblem: look)
        }
        if certificates != nil || problem != lastProblem { store.statusFeed.announce() }
        lastHealth = health
        lastProblem = problem
        lookedAtStoredProblem = true
        if let certificates { lastCertificates = certificates }
    }

    /// Writes changed certificate states, and `problem` in place of a different stored one when
    /// `comparingProblem`.
    private func write(certificates: [AgentMessage.CertificateState]?, problem: String?, comparingProblem: Bool) async throws {
        try await store.database.write { [serverID] db in
            if let certificates { try CertificateStateRepository.replace(db, serverID: serverID, with: certificates) }
            guard comparingProblem else { return }
            let stored = try ServerRepository.dataPlaneProblem(db, id: serverID)
            guard stored != problem else { return }
            if let stored {
                try ServerRepository.clearDataPlaneProblem(db, id: serverID)
                try ResourceRepository.clearDataPlaneProblem(db, serverID: serverID, message: Self.resourceMessage(stored))
            }
            if let problem {
                try ServerRepository.recordDataPlaneProblem(db, id: serverID, message: problem)
                try ResourceRepository.markDataPlaneProblem(
                    db, serverID: serverID, types: ResourceKinds.served.map(\.type), message: Self.resourceMessage(problem))
            }
        }
    }

    /// What a served resource of a server whose data plane has `problem` says.
    static func resourceMessage(_ problem: String) -> String { "not served: \(problem)" }
}
