import JSONCore

/// The dashboard's view of the servers (`GET /api/servers/summary`): `total`, `by_status` (a
/// count for every status), `out_of_date`, `servers` (at most 50, those needing attention first)
/// and `upstreams` (`total`, `failing`, `unknown`, and `items`: at most 50, failing ones first).
enum ServerSummaryView {
    static func json(_ summary: (summary: ServerListing.Summary, servers: [ServerView], upstreams: [ServerListing.Upstream])) -> JSON {
        let counts = summary.summary
        let byStatus = JSON.object(Server.Status.allCases.map { ($0.rawValue, .int(counts.byStatus[$0] ?? 0)) })
        let upstreams = summary.upstreams.map { upstream in
            JSON.with([
                "server": upstream.server, "server_status": upstream.serverStatus.rawValue, "address": upstream.address,
                "requests": upstream.requests, "fails": upstream.fails,
            ])
        }
        return .with([
            "total": counts.total, "by_status": byStatus, "out_of_date": counts.outOfDate, "servers": summary.servers.map(\.json),
            "upstreams": JSON.with([
                "total": counts.upstreams, "failing": counts.failingUpstreams, "unknown": counts.unknownUpstreams, "items": upstreams,
            ]),
        ])
    }
}
