import Host
import Hummingbird

/// `GET /api/proxy-hosts/{id}/access-log?status=&method=&path=&client=&limit=`: the host's
/// recent access-log lines from the server that serves it, newest first, filtered there
/// (admins only: the lines hold clients' addresses and what they asked for).
struct AccessLogRoutes: Sendable {
    let logs: AccessLogService

    func register(on api: RouterGroup<AppContext>) {
        api.get("proxy-hosts/:id/access-log") { request, context in
            _ = try context.requireAdmin()
            let parameters = QueryParameters(request: request)
            let query = AccessLogQuery(
                hostID: try context.pathID(), limit: try parameters.int("limit", default: 200, range: 1...1000),
                status: try Self.status(parameters.string("status", maxLength: 3)),
                method: try Self.method(parameters.string("method", maxLength: 16)), path: try parameters.string("path", maxLength: 200),
                client: try parameters.string("client", maxLength: 64))
            return JSONBody.response(try await logs.read(query))
        }
    }

    /// A class (`2xx`) or a code (`404`).
    private static func status(_ text: String?) throws -> String? {
        guard let text else { return nil }
        let bytes = Array(text.utf8)
        guard bytes.count == 3, (UInt8(ascii: "1")...UInt8(ascii: "5")).contains(bytes[0]),
            bytes[1...].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) || text.hasSuffix("xx")
        else { throw APIError.invalid(field: "status", "must be a status class (2xx…5xx) or a code (100…599)") }
        return text
    }

    /// An HTTP method: capital letters only.
    private static func method(_ text: String?) throws -> String? {
        guard let text else { return nil }
        guard text.utf8.allSatisfy({ (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }) else {
            throw APIError.invalid(field: "method", "must be an HTTP method in capital letters (GET, POST…)")
        }
        return text
    }
}
