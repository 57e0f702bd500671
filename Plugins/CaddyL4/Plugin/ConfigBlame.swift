import CaddyL4Rendering
import Foundation

/// Finds which resource a Caddy load error is about, and removes a resource from a config.
enum ConfigBlame {
    /// The resource whose objects Caddy's `error` points at, if it can be told.
    static func resource(in error: String, config: Any) -> ResourceKey? {
        // "server http: setting up route handlers: route 3: ..." names a route by position.
        if let match = error.firstMatch(of: /server ([A-Za-z0-9_]+): setting up (?:route handlers|error handling routes): route (\d+)/),
            let servers = ((config as? [String: Any])?["apps"] as? [String: Any]).flatMap({ ($0["http"] as? [String: Any])?["servers"] as? [String: Any] }),
            let server = servers[String(match.1)] as? [String: Any]
        {
            let list = error.contains("error handling routes") ? (server["errors"] as? [String: Any])?["routes"] : server["routes"]
            if let routes = list as? [[String: Any]], let index = Int(match.2), index < routes.count,
                let tag = routes[index]["@id"] as? String
            {
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
    static func removing(_ resource: ResourceKey, from config: Any) -> Any {
        if let object = config as? [String: Any] {
            var kept: [String: Any] = [:]
            for (key, value) in object where !belongs(value, to: resource) {
                kept[key] = removing(resource, from: value)
            }
            return kept
        }
        if let array = config as? [Any] {
            return array.filter { !belongs($0, to: resource) }.map { removing(resource, from: $0) }
        }
        return config
    }

    private static func belongs(_ value: Any, to resource: ResourceKey) -> Bool {
        guard let tag = (value as? [String: Any])?["@id"] as? String else { return false }
        return tag == resource.tag || tag.hasPrefix(resource.tag + "/")
    }
}
