/// What an API token may reach: the whole API as its owner (`api`), or only `GET /metrics`
/// (`metrics`, for a Prometheus server, which then holds no credential that could change or read
/// anything else).
enum TokenScope: String, Sendable, CaseIterable {
    case api, metrics
}
