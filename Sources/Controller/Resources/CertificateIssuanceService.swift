import Foundation
import JSONCore

/// Where an automatic certificate stands on the local server, per domain name: pending, issued
/// or failed with the CA's error (from the local Caddy's log, ``CertificateIssuance``). An
/// uploaded certificate has nothing to obtain; without a Caddy of its own the controller cannot
/// tell, and says so; nor for a certificate only hosts on remote servers use (they obtain it
/// themselves and do not report it).
struct CertificateIssuanceService: Sendable {
    let store: Store
    /// nil when the controller does not run the local Caddy (it was given one, or none).
    let issuance: CertificateIssuance?

    struct Report: Sendable {
        var provider: String
        var domains: [(name: String, status: CertificateIssuance.Status?)]
        /// Why there is no status, when there is none.
        var note: String?
    }

    func report(certificateID id: Int64) async throws -> Report {
        let (found, servers, localID) = try await store.database.read { db in
            (
                try ResourceRepository.find(db, id: id, type: CertificateKind.type),
                try ResourceRepository.serversReferring(db, member: CertificateKind.referenceField!, id: id), try ServerRepository.localID(db)
            )
        }
        guard let row = found else { throw DomainError.notFound(CertificateKind.type) }
        let data = try JSONParser.parse(Array(row.data.utf8))
        let provider = data["provider"]?.stringValue ?? "other"
        let names = (data["domain_names"]?.arrayValue ?? []).compactMap(\.stringValue)
        guard provider == "letsencrypt" else {
            return Report(provider: provider, domains: names.map { ($0, nil) }, note: "an uploaded certificate: nothing to obtain")
        }
        guard let issuance else {
            return Report(provider: provider, domains: names.map { ($0, nil) }, note: "the controller does not run the local Caddy and cannot tell")
        }
        // Only what was logged since the certificate was made counts (an earlier one for the same names is another story).
        guard servers.isEmpty || servers.contains(localID) else {
            return Report(
                provider: provider, domains: names.map { ($0, nil) },
                note: "the hosts using it are on remote servers, which obtain it themselves and do not report it here")
        }
        let statuses = issuance.status(of: names, since: row.createdOn.addingTimeInterval(-1))
        return Report(provider: provider, domains: names.map { ($0, statuses[$0]) }, note: nil)
    }
}

extension CertificateIssuanceService.Report {
    var json: JSON {
        .with([
            "provider": provider, "note": note.map(JSON.string) ?? .null,
            "domains": JSON.array(
                domains.map { name, status in
                    .with([
                        "domain": name, "state": status?.state.rawValue ?? "unknown", "message": status?.message.map(JSON.string) ?? .null,
                        "at": status?.at.map { JSON.string(Date(timeIntervalSince1970: $0).formatted(.iso8601)) } ?? .null,
                    ])
                }),
        ])
    }
}
