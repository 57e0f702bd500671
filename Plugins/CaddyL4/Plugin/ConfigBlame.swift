import CaddyL4Rendering
import JSONCore

/// Finds which resource a Caddy load error is about, and removes a resource from a config.
enum ConfigBlame {
    /// The resource whose objects Caddy's `error` points at, if it can be told.
    static func resource(in error: String, config: JSON) -> ResourceKey? {
        // "server http: setting up route handlers: route 3: ..." names a route by position.
        if let match = error.firstMatch(of: /server ([A-Za-z0-9_]+): setting up (?:route handlers|error handling routes): route (\d+)/),
            let server = config["apps"]?["http"]?["servers"]?[String(match.1)]
        {
            let list = error.contains("error handling routes") ? server["errors"]?["routes"] : server["routes"]
            if case .array(let routes)? = list, let index = Int(match.2), index < routes.count, case .string(let tag)? = routes[index]["@id"] {
                return ResourceKey(tag: tag)
            }
        }
        // Layer4 servers (`stream_host_5_tcp`) and anything else that names one of our tags.
        if let match = error.firstMatch(of: /(proxy_host|redirection_host|dead_host|stream_host)_(\d+)/), let id = Int(match.2) {
            return ResourceKey(kind: String(match.1), id: id)
        }
        return nil
    }

    /// `config` without any object whose `@id` belongs to `resource`.
    static func removing(_ resource: ResourceKey, from config: JSON) -> JSON {
        switch config {
        case .object(let members):
            .object(members.filter { !belongs($0.1, to: resource) }.map { ($0.0, removing(resource, from: $0.1)) })
        case .array(let items):
            .array(items.filter { !belongs($0, to: resource) }.map { removing(resource, from: $0) })
        default:
            config
        }
    }

    private static func belongs(_ value: JSON, to resource: ResourceKey) -> Bool {
        guard case .string(let tag)? = value["@id"] else { return false }
        return tag == resource.tag || tag.hasPrefix(resource.tag + "/")
    }
}
