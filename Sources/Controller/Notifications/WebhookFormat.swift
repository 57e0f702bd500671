import Foundation
import JSONCore

/// How a webhook's receiver wants an event: a generic JSON object, or the shape of Discord,
/// Slack, ntfy or Gotify. Each is a request body and its headers; the text is the same.
enum WebhookFormat: String, Sendable, CaseIterable {
    case generic, discord, slack, ntfy, gotify

    struct Request: Sendable, Equatable {
        var contentType: String
        var headers: [(String, String)] = []
        var body: [UInt8]

        static func == (a: Request, b: Request) -> Bool {
            a.contentType == b.contentType && a.body == b.body && a.headers.map(\.0) == b.headers.map(\.0) && a.headers.map(\.1) == b.headers.map(\.1)
        }
    }

    func request(for event: NotificationEvent) -> Request {
        let title = "PosternProxy: \(event.kind.rawValue.replacingOccurrences(of: "_", with: " "))"
        switch self {
        case .generic:
            return Request(
                contentType: "application/json",
                body: JSON.with([
                    "event": event.kind.rawValue, "text": event.text, "server": event.server.map(JSON.string) ?? .null,
                    "at": event.at.formatted(.iso8601),
                ]).serialized())
        case .discord:
            return Request(contentType: "application/json", body: JSON.with(["content": "**\(title)**\n\(event.text)"]).serialized())
        case .slack:
            return Request(contentType: "application/json", body: JSON.with(["text": "*\(title)*\n\(event.text)"]).serialized())
        case .ntfy:
            // ntfy takes the message as the body and the rest as headers (the topic is in the URL).
            return Request(
                contentType: "text/plain; charset=utf-8", headers: [("Title", title), ("Tags", event.kind.rawValue)], body: Array(event.text.utf8))
        case .gotify:
            // Gotify's application token goes in the URL (`?token=`) or a header the admin adds to the URL's query.
            return Request(
                contentType: "application/json",
                body: JSON.with(["title": title, "message": event.text, "priority": event.kind == .test ? 2 : 5]).serialized())
        }
    }
}
