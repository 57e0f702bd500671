import Foundation
import Host

/// The SQL of ``AgentMessage/CertificateState``s: per server, the last state its Caddy
/// reported for each domain name with an automatic certificate. A report replaces the
/// server's whole list, and marks the server as one that reports them.
enum CertificateStateRepository {
    static func replace(_ db: any SQLConnection, serverID: Int64, with states: [AgentMessage.CertificateState]) throws {
        try db.execute("UPDATE servers SET reports_certificates = 1 WHERE id = ?", [serverID])
        try db.execute("DELETE FROM certificate_states WHERE server_id = ?", [serverID])
        for state in states {
            try db.execute(
                "INSERT OR REPLACE INTO certificate_states (server_id, domain, state, message, at) VALUES (?, ?, ?, ?, ?)",
                [serverID, state.domain, state.state.rawValue, state.message, Date(timeIntervalSince1970: TimeInterval(state.at))])
        }
    }

    /// The states reported by `serverIDs` for `domains`, keyed by server and domain.
    static func states(_ db: any SQLConnection, serverIDs: [Int64], domains: [String]) throws -> [Int64: [String: AgentMessage.CertificateState]] {
        guard !serverIDs.isEmpty, !domains.isEmpty else { return [:] }
        let servers = SQLPlaceholders.list(serverIDs.count)
        let names = SQLPlaceholders.list(domains.count)
        var found: [Int64: [String: AgentMessage.CertificateState]] = [:]
        let arguments: SQLArguments = serverIDs.map { $0 } + domains.map { $0 }
        for row in try db.rows(
            "SELECT server_id, domain, state, message, at FROM certificate_states WHERE server_id IN (\(servers)) AND domain IN (\(names))",
            arguments)
        {
            guard let state = AgentMessage.CertificateState.State(rawValue: row["state"]) else { continue }
            let at: Date = row["at"]
            found[row["server_id"], default: [:]][row["domain"]] = AgentMessage.CertificateState(
                domain: row["domain"], state: state, message: row["message"], at: Int64(at.timeIntervalSince1970))
        }
        return found
    }
}
