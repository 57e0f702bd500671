import Foundation

/// Something an admin wants to be told about, sent to the webhooks that subscribe to its kind.
struct NotificationEvent: Sendable, Equatable {
    enum Kind: String, Sendable, CaseIterable {
        case serverOffline = "server_offline"
        case serverOnline = "server_online"
        case applyFailed = "apply_failed"
        case certificateExpiring = "certificate_expiring"
        case provisioningFinished = "provisioning_finished"
        case provisioningFailed = "provisioning_failed"
        /// Only ever sent by "send test".
        case test
    }

    var kind: Kind
    /// One line for a person: what happened, naming what it happened to.
    var text: String
    /// The server it concerns, when it concerns one.
    var server: String?
    var at = Date()
}

/// Where events are posted (by the agent hub, the appliers, provisioning and the certificate
/// watch) for the ``Notifier`` to deliver. Posting never waits; a burst beyond 1,000 events not
/// yet taken drops the oldest.
final class NotificationQueue: Sendable {
    private let stream: AsyncStream<NotificationEvent>
    private let continuation: AsyncStream<NotificationEvent>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1000))
    }

    func post(_ event: NotificationEvent) { continuation.yield(event) }

    /// The events, for exactly one consumer.
    var events: AsyncStream<NotificationEvent> { stream }

    func finish() { continuation.finish() }
}
