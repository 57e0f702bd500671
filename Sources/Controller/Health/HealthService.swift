import Foundation
import JSONCore

/// Whether the controller is up, degraded or down, and why in general terms, for a load
/// balancer or a monitor that has no credentials: nothing in it names a server, a path or a
/// user.
///
/// Down: the database cannot be read. Degraded: the database cannot take writes (a full disk,
/// or it cannot be written), free space is below ``lowDiskBytes``, the local data plane reports
/// a problem, or a remote server's agent is not connected. Up otherwise.
struct HealthService: Sendable {
    let store: Store
    /// The remote servers whose agents are connected now.
    let connectedAgents: @Sendable () async -> [Int64]
    /// Whether the controller applies to a data plane of its own.
    let runsLocalDataPlane: Bool
    static let lowDiskBytes: Int64 = 64 << 20

    enum Status: String, Sendable {
        case up, degraded, down
    }

    struct Report: Sendable {
        var status: Status
        var reasons: [String]
        var checks: JSON
    }

    func report() async -> Report {
        let servers: (localStatus: String?, remotes: [Int64])
        do {
            servers = try await store.database.read { db in try ServerRepository.healthFacts(db) }
        } catch {
            return Report(status: .down, reasons: ["the database cannot be read"], checks: .with(["database": "unreadable"]))
        }
        var reasons: [String] = []
        let database: String
        switch store.database.storageFault {
        case .full?:
            database = "disk_full"
            reasons.append("the disk is full: changes cannot be saved")
        case .notWritable?:
            database = "not_writable"
            reasons.append("the database cannot be written: changes cannot be saved")
        case nil: database = "writable"
        }
        let free = store.database.freeBytes
        let disk = free < Self.lowDiskBytes ? "low" : "ok"
        if disk == "low", database == "writable" { reasons.append("disk space is low") }
        let localCaddy = !runsLocalDataPlane ? "none" : servers.localStatus == "error" ? "problem" : "ok"
        if localCaddy == "problem" { reasons.append("the local data plane reports a problem") }
        let connected = Set(await connectedAgents()).intersection(servers.remotes).count
        if connected < servers.remotes.count {
            reasons.append("\(servers.remotes.count - connected) of \(servers.remotes.count) agents not connected")
        }
        return Report(
            status: reasons.isEmpty ? .up : .degraded, reasons: reasons,
            checks: .with([
                "database": database, "disk": disk, "local_caddy": localCaddy,
                "agents": JSON.with(["connected": connected, "expected": servers.remotes.count]),
            ]))
    }
}

extension HealthService.Report {
    var json: JSON { .with(["status": status.rawValue, "reasons": JSON.strings(reasons), "checks": checks]) }
}
