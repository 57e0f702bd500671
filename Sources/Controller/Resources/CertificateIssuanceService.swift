import Foundation
import Host
import JSONCore

/// Where an automatic certificate stands, per server that obtains it and per domain name:
/// pending, issued, failed with the CA's error, or unknown. A server obtains it for the domain
/// names of its enabled hosts that use it, and its data plane reports what its Caddy logged
/// (``HealthRecorder``): the last state reported for a name is its state, except that a failure
/// from before the certificate was made belongs to an earlier request (Caddy tries again with
/// the new config: pending). A server that does not report certificates (an older agent, a
/// Caddy the controller was given) is unknown. An uploaded certificate has nothing to obtain.
struct CertificateIssuanceService: Sendable {
    let store: Store

    enum State: String, Sendable {
        case pending, issued, failed, unknown
    }

    struct Entry: Sendable {
        var domain: String
        var serverID: Int64
        var server: String
        var state: State
        var message: String?
        var at: Date?
    }

    struct Report: Sendable {
        var provider: String
        var domains: [Entry]
        /// Why there is nothing to follow, when there is not.
        var note: String?
    }

    func report(certificateID id: Int64) async throws -> Report {
        let (found, users, servers, states) = try await store.database.read { db in
            guard let row = try ResourceRepository.find(db, id: id, type: CertificateKind.type) else {
                throw DomainError.notFound(CertificateKind.type)
            }
            let users = try ResourceRepository.enabledReferrers(db, member: CertificateKind.referenceField!, id: id)
            let serverIDs = Array(Set(users.map(\.serverID))).sorted()
            let names = Array(Set(users.flatMap(Self.domainNames)))
            return (
                row, users, try ServerRepository.namesAndCertificateReporting(db, ids: serverIDs),
                try CertificateStateRepository.states(db, serverIDs: serverIDs, domains: names)
            )
        }
        let data = try JSONParser.parse(Array(found.data.utf8))
        let provider = data["provider"]?.stringValue ?? "other"
        guard provider == "letsencrypt" else { return Report(provider: provider, domains: [], note: "an uploaded certificate: nothing to obtain") }
        guard !users.isEmpty else {
            return Report(provider: provider, domains: [], note: "no enabled host uses it yet; a server obtains it when a host on it does")
        }
        var entries: [Entry] = []
        var seen = Set<String>()
        for user in users {
            for name in Self.domainNames(of: user) where seen.insert("\(user.serverID) \(name)").inserted {
                let server = servers[user.serverID] ?? (name: "server \(user.serverID)", reports: false)
                entries.append(
                    Self.entry(
                        name, serverID: user.serverID, server: server, reported: states[user.serverID]?[name],
                        requestedAt: found.createdOn.addingTimeInterval(-1)))
            }
        }
        return Report(provider: provider, domains: entries, note: nil)
    }

    private static func entry(
        _ name: String, serverID: Int64, server: (name: String, reports: Bool), reported: AgentMessage.CertificateState?, requestedAt: Date
    ) -> Entry {
        var entry = Entry(domain: name, serverID: serverID, server: server.name, state: .pending)
        guard server.reports else {
            entry.state = .unknown
            entry.message = "this server does not report how its certificates are doing"
            return entry
        }
        guard let reported else { return entry }
        let at = Date(timeIntervalSince1970: TimeInterval(reported.at))
        switch reported.state {
        case .issued: (entry.state, entry.at) = (.issued, at)
        case .failed where at >= requestedAt: (entry.state, entry.message, entry.at) = (.failed, reported.message, at)
        case .failed, .obtaining: entry.at = at
        }
        return entry
    }

    private static func domainNames(of host: ResourceRow) -> [String] {
        guard let data = try? JSONParser.parse(Array(host.data.utf8)) else { return [] }
        return (data["domain_names"]?.arrayValue ?? []).compactMap { $0.stringValue?.lowercased() }
    }
}

extension CertificateIssuanceService.Report {
    var json: JSON {
        .with([
            "provider": provider, "note": note.map(JSON.string) ?? .null,
            "domains": JSON.array(
                domains.map { entry in
                    .with([
                        "domain": entry.domain, "server_id": entry.serverID, "server": entry.server, "state": entry.state.rawValue,
                        "message": entry.message.map(JSON.string) ?? .null,
                        "at": entry.at.map { JSON.string($0.formatted(.iso8601)) } ?? .null,
                    ])
                }),
        ])
    }
}
