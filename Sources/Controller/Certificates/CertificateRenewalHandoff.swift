import Foundation
import JSONCore
import Logging
import ServiceLifecycle

/// Hands the renewal of uploaded ACME certificates to Caddy: a custom certificate marked
/// `renew_with_acme` (certbot's, brought over from Nginx Proxy Manager with its key, so nothing
/// was issued again) is served as it is until ``handoffDays`` before it expires; then it becomes
/// an automatic certificate for the same names, through ``ResourceService`` like any change
/// (validated, applied to every server using it, audited as the controller's own), and Caddy
/// obtains and renews it over ACME from then on. Checked at start and every `interval`.
final class CertificateRenewalHandoff: Service {
    /// How long before its expiry a certificate is handed over: as long before as Caddy itself
    /// renews the certificates it manages (a third of a 90-day lifetime).
    static let handoffDays = 30

    let service: ResourceService<CertificateKind>
    let validation: ValidationContext
    let interval: Duration
    let logger: Logger

    init(store: Store, onChange: @escaping @Sendable () -> Void, validation: ValidationContext, interval: Duration, logger: Logger) {
        service = ResourceService(store: store, onChange: onChange)
        self.validation = validation
        self.interval = interval
        self.logger = logger
    }

    /// When a certificate that expires at `expiresOn` is handed over.
    static func handoffDate(expiresOn: Date) -> Date { expiresOn.addingTimeInterval(-TimeInterval(handoffDays) * 86_400) }

    func run() async throws {
        try? await cancelWhenGracefulShutdown { await self.watch() }
    }

    private func watch() async {
        while !Task.isCancelled {
            do {
                try await handOverDue(now: Date())
            } catch {
                logger.error("could not hand certificates over to Caddy's renewal", metadata: ["error": "\(error)"])
            }
            guard (try? await Task.sleep(for: interval)) != nil else { return }
        }
    }

    /// Turns every due certificate automatic; one that cannot be is logged and tried again
    /// next time, and the others still go.
    func handOverDue(now: Date) async throws {
        for (id, payload) in try await service.storedPayloads()
        where payload.provider == "other" && payload.renew_with_acme == true
            && payload.expires_on.map({ Self.handoffDate(expiresOn: $0) <= now }) ?? false
        {
            do {
                _ = try await service.update(
                    id, ["provider": "letsencrypt"], validation: validation,
                    actor: AuditLog.Actor(userID: nil, email: nil, clientIP: "local"))
                logger.info(
                    "certificate handed over to Caddy's ACME renewal", metadata: ["certificate": "\(id)", "names": "\(payload.domain_names)"])
            } catch {
                logger.error("certificate could not be handed over to Caddy's renewal", metadata: ["certificate": "\(id)", "error": "\(error)"])
            }
        }
    }
}
