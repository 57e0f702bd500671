import Hummingbird

/// `GET /api/events`: server-sent events that tell a signed-in browser when what it shows may
/// have changed (``StatusFeed``). Each event is `event: status`, `id:` the feed's version and no
/// data to trust: the browser reads again through the API. A browser that reconnects with
/// `Last-Event-ID` behind the current version is told at once; a comment every keep-alive tick
/// keeps proxies from closing an idle stream.
struct EventRoutes: Sendable {
    let feed: StatusFeed

    func register(on api: RouterGroup<AppContext>) {
        api.get("events") { request, context -> Response in
            _ = try context.requireIdentity()
            let known = request.headers[.init("Last-Event-ID")!].flatMap { Int64($0) }
            let updates = feed.subscribe()
            let current = feed.version
            let body = ResponseBody { writer in
                var sent = known ?? current
                try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                if sent < current {
                    sent = current
                    try await writer.write(Self.event(version: current))
                }
                for await version in updates {
                    if version > sent {
                        sent = version
                        try await writer.write(Self.event(version: version))
                    } else {
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    }
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
        }
    }

    private static func event(version: Int64) -> ByteBuffer {
        ByteBuffer(string: "event: status\nid: \(version)\ndata: {\"version\":\(version)}\n\n")
    }
}
