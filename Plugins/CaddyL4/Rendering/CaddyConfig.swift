/// The subset of Caddy's JSON configuration the renderer produces, as typed values: config is
/// always built as JSON values, never as text, so no user field can become config syntax.
struct CaddyConfig: Encodable {
    var apps: Apps

    struct Apps: Encodable {
        var http: HTTPApp
    }

    struct HTTPApp: Encodable {
        var servers: [String: Server]
    }

    struct Server: Encodable {
        var listen: [String]
        var routes: [Route]
        var automaticHTTPS: AutomaticHTTPS

        enum CodingKeys: String, CodingKey {
            case listen, routes
            case automaticHTTPS = "automatic_https"
        }
    }

    struct AutomaticHTTPS: Encodable {
        var disable: Bool
    }

    struct Route: Encodable {
        var id: String
        var match: [Match]
        var handle: [Handler]
        var terminal: Bool

        enum CodingKeys: String, CodingKey {
            case id = "@id"
            case match, handle, terminal
        }
    }

    struct Match: Encodable {
        var host: [String]
    }

    struct Handler: Encodable {
        var handler: String
        var upstreams: [Upstream]
        var transport: Transport?
    }

    struct Upstream: Encodable {
        var dial: String
    }

    struct Transport: Encodable {
        var `protocol`: String
        var tls: TLS?
    }

    struct TLS: Encodable {}
}
