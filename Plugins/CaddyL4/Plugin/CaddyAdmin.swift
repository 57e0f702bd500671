import Glibc
import JSONCore
import PluginAPI
import PluginKit

/// Caddy's admin API, reached through the host's `http` service on the admin socket.
struct CaddyAdmin {
    let host: HostProxy
    let socket: String

    /// The `@id` of the running config's root (the tag PosternProxy gives each config it loads),
    /// or nil when Caddy runs none or one without it.
    func runningTag() throws -> String? {
        let answer = try request("GET", "/config/@id")
        guard answer.httpStatus == 200 else { throw PluginFailure("Caddy answered \(answer.httpStatus) to GET /config/@id") }
        guard case .string(let tag) = try? JSONParser.parse(answer.body) else { return nil }
        return tag
    }

    /// The running config's JSON text (`null` when Caddy runs none).
    func currentConfig() throws -> [UInt8] {
        let answer = try request("GET", "/config/")
        guard answer.httpStatus == 200 else { throw PluginFailure("Caddy answered \(answer.httpStatus) to GET /config/") }
        return answer.body
    }

    /// Loads a whole config. Returns nil on success, Caddy's error message otherwise.
    func load(_ config: [UInt8]) throws -> String? {
        let answer = try request("POST", "/load", contentType: "application/json", body: config)
        guard answer.httpStatus != 200 else { return nil }
        if case .string(let message)? = (try? JSONParser.parse(answer.body))?["error"] { return message }
        return "Caddy answered \(answer.httpStatus): \(String(decoding: answer.body.prefix(2000), as: UTF8.self))"
    }

    /// Each upstream's address and counters from `/reverse_proxy/upstreams` (at most 10,000);
    /// nil when Caddy does not answer it.
    func upstreams() -> [JSON]? {
        let answer = host.http(socket: socket, method: "GET", path: "/reverse_proxy/upstreams")
        guard answer.status == PP_OK, answer.httpStatus == 200, case .array(let list)? = try? JSONParser.parse(answer.body) else { return nil }
        return list.prefix(10_000).compactMap { entry in
            guard case .string(let address)? = entry["address"] else { return nil }
            func count(_ key: String) -> JSON { if case .int(let value)? = entry[key] { .int(value) } else { .int(0) } }
            return .object([("address", .string(String(address.prefix(300)))), ("requests", count("num_requests")), ("fails", count("fails"))])
        }
    }

    /// Whether Caddy answers on its admin socket.
    func answers() -> Bool {
        host.http(socket: socket, method: "GET", path: "/config/").httpStatus == 200
    }

    /// One request. An observing request that cannot connect is tried again for up to a second:
    /// Caddy swaps its admin listener while a new config takes over.
    private func request(_ method: String, _ path: String, contentType: String? = nil, body: [UInt8] = []) throws -> HostProxy.HTTPAnswer {
        var answer = host.http(socket: socket, method: method, path: path, contentType: contentType, body: body)
        var attempts = 1
        while answer.status == PP_FAILED, method == "GET", attempts < 20, !host.isCancelled {
            usleep(50_000)
            answer = host.http(socket: socket, method: method, path: path, contentType: contentType, body: body)
            attempts += 1
        }
        guard answer.status == PP_OK else {
            throw PluginFailure("cannot reach Caddy's admin API at \(socket) (\(method) \(path), status \(answer.status))")
        }
        return answer
    }
}
