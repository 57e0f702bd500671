import JSONCore

/// What an import of an Nginx Proxy Manager installation did, or would do (a dry run), with
/// each thing it found: create it, create it disabled because something in it changes meaning
/// on Caddy (shown beside it, nginx `advanced_config` verbatim), find it already here, or refuse
/// it with the reason. Nothing refused affects anything else.
struct NPMImportReport: Sendable {
    enum Action: String, Sendable {
        case create
        /// Created, but disabled: see ``Item/changes``.
        case createDisabled = "create_disabled"
        /// Already here (the same domains, port, name, email or certificate): nothing created.
        case exists
        case refused
    }

    struct Item: Sendable {
        /// `proxy_host`, `redirection_host`, `dead_host`, `stream_host`, `access_list`, `certificate`, `user`.
        var kind: String
        var npmID: Int
        /// How a person recognises it: domains, a port, a name, an email.
        var name: String
        var action: Action
        /// Why it is refused, or what it already is.
        var reason: String?
        /// What does not carry over and made it disabled (`advanced_config` with its text).
        var changes: [(field: String, detail: String)] = []
        /// Something to know about it once imported (a certificate's renewal).
        var note: String?
        /// The PosternProxy resource it became (or already was).
        var resourceID: Int64?

        var json: JSON {
            var members: [(String, JSON)] = [
                ("kind", .string(kind)), ("npm_id", .int(npmID)), ("name", .string(name)), ("action", .string(action.rawValue)),
            ]
            if let reason { members.append(("reason", .string(reason))) }
            if !changes.isEmpty {
                members.append(("changes", .array(changes.map { .object([("field", .string($0.field)), ("detail", .string($0.detail))]) })))
            }
            if let note { members.append(("note", .string(note))) }
            if let resourceID { members.append(("resource_id", .int(Int(resourceID)))) }
            return .object(members)
        }
    }

    var dryRun: Bool
    var serverID: Int64
    var items: [Item] = []

    func count(_ action: Action) -> Int { items.filter { $0.action == action }.count }

    var json: JSON {
        .object([
            ("dry_run", .bool(dryRun)), ("server_id", .int(Int(serverID))),
            ("summary", .object([Action.create, .createDisabled, .exists, .refused].map { ($0.rawValue, .int(count($0))) })),
            ("items", .array(items.map(\.json))),
        ])
    }
}
