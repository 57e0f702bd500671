import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceLifecycle

/// Delivers each posted ``NotificationEvent`` to every enabled webhook that subscribes to its
/// kind, in the webhook's format: one POST, retried after 1, 2, 4 and 8 seconds when it fails
/// (no answer in 10 s, or a status other than 2xx), the target checked again before each try.
/// How the last delivery went is recorded on the webhook (the UI shows it) and a failure is
/// logged. A service of the controller; deliveries run beside each other, events one after
/// another.
final class Notifier: Service {
    let store: Store
    let target: WebhookTarget
    let logger: Logger
    let retries: [Duration]

    /// One client for the process's life: redirects are not followed (a redirect could lead
    /// where the target check would refuse).
    private static let http = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10), read: .seconds(10))))

    init(store: Store, target: WebhookTarget, logger: Logger, retries: [Duration] = [.seconds(1), .seconds(2), .seconds(4), .seconds(8)]) {
        self.store = store
        self.target = target
        self.logger = logger
        self.retries = retries
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            for await event in self.store.notifications.events {
                await self.deliver(event)
            }
        }
    }

    /// Sends `event` to the webhooks that want it (`only`: to that one webhook, whatever it subscribes to).
    func deliver(_ event: NotificationEvent, only: Int64? = nil) async {
        guard let webhooks = try? await store.database.read({ db in try WebhookRepository.all(db) }) else { return }
        let chosen = webhooks.filter { webhook in
            if let only { return webhook.id == only }
            return webhook.enabled && webhook.events.contains(event.kind.rawValue)
        }
        await withTaskGroup(of: Void.self) { group in
            for webhook in chosen { group.addTask { _ = await self.send(event, to: webhook) } }
        }
    }

    /// Sends `event` to `webhook` with retries; returns nil when it was delivered, the last
    /// failure otherwise.
    @discardableResult
    func send(_ event: NotificationEvent, to webhook: WebhookRepository.Webhook, retrying: Bool = true) async -> String? {
        let format = WebhookFormat(rawValue: webhook.format) ?? .generic
        var failure: String?
        for wait in [Duration.zero] + (retrying ? retries : []) {
            if wait > .zero { try? await Task.sleep(for: wait) }
            failure = await attempt(format.request(for: event), to: webhook)
            if failure == nil { break }
        }
        let outcome = failure
        try? await store.database.write { db in
            try WebhookRepository.recordDelivery(db, id: webhook.id, status: outcome == nil ? "delivered" : "failed", error: outcome)
        }
        if let failure {
            logger.warning(
                "a notification could not be delivered",
                metadata: ["webhook": "\(webhook.name)", "event": "\(event.kind.rawValue)", "error": "\(failure)"])
        }
        store.statusFeed.announce()
        return failure
    }

    private func attempt(_ body: WebhookFormat.Request, to webhook: WebhookRepository.Webhook) async -> String? {
        do throws(ValidationFailure) {
            try target.check(webhook.url, allowPrivate: webhook.allowPrivateTarget)
        } catch {
            return "the URL \(error.message)"
        }
        var request = HTTPClientRequest(url: webhook.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: body.contentType)
        request.headers.add(name: "User-Agent", value: "PosternProxy")
        for (name, value) in body.headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body.body))
        do {
            let response = try await Self.http.execute(request, timeout: .seconds(10))
            _ = try? await response.body.collect(upTo: 64 << 10)
            return (200..<300).contains(Int(response.status.code)) ? nil : "the receiver answered \(response.status.code)"
        } catch {
            return "\(error)"
        }
    }
}
