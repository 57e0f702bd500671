import Hummingbird

/// `GET /api/certificates/{id}/issuance`: where an automatic certificate stands on the local
/// server, per domain name (pending, issued, failed with the CA's error), for the host form's
/// progress after it requests one.
struct CertificateRoutes: Sendable {
    let issuance: CertificateIssuanceService

    func register(on api: RouterGroup<AppContext>) {
        api.get("certificates/:id/issuance") { _, context in
            _ = try context.requireIdentity()
            return JSONBody.response(try await issuance.report(certificateID: try context.pathID()).json)
        }
    }
}
