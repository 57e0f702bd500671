import JSONCore

/// A row of NPM's database as the body NPM's API would take for it, translated by the shape like
/// any NPM request. What NPM did that Caddy cannot (nginx `advanced_config`, a flag PosternProxy
/// has no counterpart for) is taken out, kept in the changes, and the resource is imported
/// disabled, so nothing changes meaning silently; anything else wrong refuses the row.
enum NPMDatabaseRow {
    /// The members `names` of `row` that it has.
    static func members(of row: JSON, _ names: [String]) -> [(String, JSON)] {
        names.compactMap { name in row[name].map { (name, $0) } }
    }

    /// PosternProxy's body for `row`, and what was taken out of it: `(field, detail)`.
    static func translated<Shape: NPMShape>(
        _ shape: Shape.Type, _ row: JSON
    ) throws(NPMImportRefusal) -> (body: JSON, changes: [(field: String, detail: String)]) {
        var npm = body(Shape.self, row)
        var changes: [(field: String, detail: String)] = []
        // Each pass takes out one member that cannot be honoured; a body has a few at most.
        for _ in 0..<64 {
            do {
                var body = try NPMShapes.body(Shape.self, from: npm)
                if !changes.isEmpty { body["enabled"] = false }
                return (body, changes)
            } catch {
                guard let detail = takeOut(error.field, from: &npm) else { throw NPMImportRefusal("\(error.field): \(error.message)") }
                changes.append((error.field, detail.isEmpty ? error.message : detail))
            }
        }
        throw NPMImportRefusal("it holds too many settings that do not carry over")
    }

    /// The API body NPM would take for the row: the shape's members, under the names NPM's API
    /// uses today (older schemas named `forward_ip`), NPM's `$scheme` as `auto`, no locations as
    /// an empty list.
    private static func body<Shape: NPMShape>(_ shape: Shape.Type, _ row: JSON) -> JSON {
        var body = JSON.object([])
        for (name, value) in row.objectMembers ?? [] {
            let renamed =
                name == "forward_ip" ? (Shape.Kind.type == StreamHostKind.type ? "forwarding_host" : "forward_host") : name
            guard Shape.members[renamed] != nil || renamed == "enabled" else { continue }
            body[renamed] = value
        }
        if Shape.members["locations"] != nil, body["locations"] == nil || body["locations"] == .null { body["locations"] = .array([]) }
        if body["forward_scheme"] == "$scheme" { body["forward_scheme"] = "auto" }
        return body
    }

    /// Takes out what made the member `field` refused, when it is a setting that does not carry
    /// over; returns what it was (nginx text verbatim), or nil when the row must be refused.
    private static func takeOut(_ field: String, from npm: inout JSON) -> String? {
        switch field {
        case "advanced_config":
            let text = npm["advanced_config"]?.stringValue
            npm["advanced_config"] = ""
            return text.map { "nginx configuration, not carried over:\n\($0)" }
        case "trust_forwarded_proto", "hsts_enabled", "hsts_subdomains", "block_exploits":
            npm[field] = false
            return ""
        case "http2_support":
            npm[field] = true
            return ""
        case "certificate_id" where npm["incoming_port"] != nil:
            npm[field] = 0
            return ""
        default:
            // `locations[N].advanced_config`
            guard field.hasPrefix("locations["), field.hasSuffix("].advanced_config"),
                let index = Int(field.dropFirst("locations[".count).dropLast("].advanced_config".count)),
                var locations = npm["locations"]?.arrayValue, locations.indices.contains(index)
            else { return nil }
            let text = locations[index]["advanced_config"]?.stringValue
            locations[index]["advanced_config"] = ""
            npm["locations"] = .array(locations)
            return text.map { "nginx configuration of the location, not carried over:\n\($0)" }
        }
    }
}
