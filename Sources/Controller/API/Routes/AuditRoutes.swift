import Foundation
import Hummingbird
import JSONCore

/// `GET /api/audit-log`: filters by resource type, action, user, date range and server (exact),
/// and `q`, words found in the action, resource type or user's email whatever their case; 50 per
/// page, newest first.
struct AuditRoutes: Sendable {
    let store: Store
    static let pageSize = 50

    func register(on api: RouterGroup<AppContext>) {
        api.get("audit-log") { request, context in
            _ = try context.requireIdentity()
            let query = QueryParameters(request: request)
            let page = try query.int("page", default: 1, range: 1...1_000_000)
            var filter = AuditRepository.Filter(
                resourceType: try query.string("resource_type", maxLength: 64), action: try query.string("action", maxLength: 64),
                text: try query.string("q", maxLength: 100), userID: try query.id("user_id"), serverID: try query.id("server_id"))
            for name in ["from", "to"] {
                guard let text = request.uri.queryParameters[name[...]].map(String.init) else { continue }
                guard let date = ISO8601DateFormatter().date(from: text) else {
                    throw APIError.invalid(field: name, "must be an ISO 8601 date-time (2026-01-31T00:00:00Z)")
                }
                if name == "from" { filter.from = date } else { filter.to = date }
            }
            let (rows, total) = try await AuditLog.page(store, filter: filter, page: page, limit: Self.pageSize)
            return JSONBody.response(.with(["items": rows.map(\.json), "total": total, "page": page, "limit": Self.pageSize]))
        }
    }
}
