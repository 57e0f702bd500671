import Foundation
import JSONCore

/// Webhooks that notifications go to (admins only): created with a name, a URL the target rules
/// allow (``WebhookTarget``), a format and the events they want; tried with "send test";
/// deleted. Each change is audited.
struct WebhookService: Sendable {
    let store: Store
    let target: WebhookTarget
    let notifier: Notifier

    struct Input: Decodable, Sendable {
        var name: String
        var url: String
        var format: String?
        var events: [String]?
        var allow_private_target: Bool?
    }

    static let subscribable = NotificationEvent.Kind.allCases.filter { $0 != .test }.map(\.rawValue)

    func list() async throws -> [WebhookRepository.Webhook] {
        try await store.database.read { db in try WebhookRepository.all(db) }
    }

    func create(_ input: Input, by actor: AuditLog.Actor) async throws -> WebhookRepository.Webhook {
        let name: String
        do { name = try FieldRules.text(input.name, field: "name", maxLength: 100) } catch { throw DomainError.invalid(error) }
        guard let format = WebhookFormat(rawValue: input.format ?? WebhookFormat.generic.rawValue) else {
            throw DomainError.invalid(ValidationFailure("format", "must be one of \(WebhookFormat.allCases.map(\.rawValue).joined(separator: ", "))"))
        }
        let events = input.events ?? Self.subscribable
        guard !events.isEmpty, Set(events).isSubset(of: Self.subscribable), Set(events).count == events.count else {
            throw DomainError.invalid(
                ValidationFailure("events", "must be a list of distinct events among \(Self.subscribable.joined(separator: ", "))"))
        }
        let allowPrivate = input.allow_private_target ?? false
        do { try target.check(input.url, allowPrivate: allowPrivate) } catch { throw DomainError.invalid(error) }
        return try await store.database.write { db in
            let id = try WebhookRepository.insert(
                db, name: name, url: input.url, format: format.rawValue, events: events, allowPrivateTarget: allowPrivate)
            try AuditLog.record(
                db, actor, action: "create", resourceType: "webhook", resourceID: id,
                details: ["name": name, "format": format.rawValue, "events": events.joined(separator: ","), "allow_private_target": allowPrivate])
            guard let created = try WebhookRepository.find(db, id: id) else { throw StoreError.damaged("webhook \(id) vanished") }
            return created
        }
    }

    func delete(_ id: Int64, by actor: AuditLog.Actor) async throws {
        try await store.database.write { db in
            guard try WebhookRepository.find(db, id: id) != nil else { throw DomainError.notFound("webhook") }
            try WebhookRepository.delete(db, id: id)
            try AuditLog.record(db, actor, action: "delete", resourceType: "webhook", resourceID: id)
        }
    }

    /// Sends a test event to webhook `id` at once (one try); nil when it was delivered, the failure otherwise.
    func test(_ id: Int64, by identity: Identity) async throws -> String? {
        guard let webhook = try await store.database.read({ db in try WebhookRepository.find(db, id: id) }) else {
            throw DomainError.notFound("webhook")
        }
        let event = NotificationEvent(kind: .test, text: "A test notification from PosternProxy, sent by \(identity.email).")
        return await notifier.send(event, to: webhook, retrying: false)
    }
}

extension WebhookRepository.Webhook {
    var json: JSON {
        .with([
            "id": id, "name": name, "url": url, "format": format, "events": JSON.strings(events), "allow_private_target": allowPrivateTarget,
            "enabled": enabled, "last_status": lastStatus.map(JSON.string) ?? .null, "last_error": lastError.map(JSON.string) ?? .null,
            "last_attempt_on": lastAttemptOn.map { JSON.string($0.formatted(.iso8601)) } ?? .null, "created_on": createdOn.formatted(.iso8601),
        ])
    }
}
