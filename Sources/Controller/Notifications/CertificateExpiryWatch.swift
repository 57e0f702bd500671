import Foundation
import Logging
import ServiceLifecycle

/// Every `interval` (and at start), posts a `certificate_expiring` notification for each
/// certificate whose known expiry is within the `certificate_expiry_days` setting (14 by
/// default) — once per certificate and expiry date, so a renewed (re-uploaded) one is told of
/// again when its new date comes near, and a restart tells again.
final class CertificateExpiryWatch: Service {
    let store: Store
    let interval: Duration
    let logger: Logger

    init(store: Store, interval: Duration, logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown { await self.watch() }
    }

    private func watch() async {
        var told: Set<String> = []
        while !Task.isCancelled {
            do {
                let (expiries, days) = try await store.database.read { db in
                    (
                        try MetricsRepository.certificateExpiries(db),
                        Int(try SettingsRepository.value(db, "certificate_expiry_days") ?? "") ?? 14
                    )
                }
                let horizon = Date().addingTimeInterval(TimeInterval(days) * 86_400)
                for certificate in expiries where certificate.expires <= horizon {
                    let key = "\(certificate.id) \(certificate.expires.timeIntervalSince1970)"
                    guard told.insert(key).inserted else { continue }
                    let left = certificate.expires.timeIntervalSinceNow
                    let when =
                        left <= 0
                        ? "expired on \(certificate.expires.formatted(.iso8601))"
                        : "expires in \(Int(left / 86_400)) days (\(certificate.expires.formatted(.iso8601)))"
                    store.notifications.post(
                        .init(kind: .certificateExpiring, text: "Certificate \(certificate.name) \(when): upload a renewed one."))
                }
            } catch {
                logger.error("could not check certificate expiry", metadata: ["error": "\(error)"])
            }
            guard (try? await Task.sleep(for: interval)) != nil else { return }
        }
    }
}
