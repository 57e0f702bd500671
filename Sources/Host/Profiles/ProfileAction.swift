import Foundation

/// One action of a profile (`posternproxy.profile/1`), as the plugin describes it and the host
/// executes it. The vocabulary (PLUGINS.md):
///
///     {"type": "file", "path": "/etc/x", "content": "...", "mode": 420}
///     {"type": "file", "path": "/usr/local/bin/x", "source": "/host/path", "mode": 493}
///     {"type": "command", "argv": [...], "check": [...], "check_contains": "...",
///      "only_if": [...], "after_change_of": ["/etc/x"], "summary": "..."}
///
/// A file is right when it exists with these bytes and mode. A command is needed when its
/// `check` fails (exit status, or output without `check_contains`); with `after_change_of` it
/// runs only when one of those files changes in the same run; with `only_if`, only where that
/// probe succeeds. `source` files come from the host's own disk (a Caddy binary, the agent).
enum ProfileAction: Sendable {
    case file(path: String, content: Data?, source: String?, mode: UInt32)
    case command(Command)

    struct Command: Sendable {
        var argv: [String]
        var check: [String]?
        var checkContains: String?
        var onlyIf: [String]?
        var afterChangeOf: [String]?
        var summary: String?
    }

    /// Reads the profile's `{"actions": [...]}`; an unknown type or a malformed action is refused.
    static func parse(_ output: Data) throws(ProfileError) -> [ProfileAction] {
        guard let object = try? JSONSerialization.jsonObject(with: output) as? [String: Any], let list = object["actions"] as? [[String: Any]] else {
            throw ProfileError("the profile's output is not {\"actions\": [...]}")
        }
        return try list.enumerated().map { index, entry throws(ProfileError) in try parse(entry, index: index) }
    }

    private static func parse(_ entry: [String: Any], index: Int) throws(ProfileError) -> ProfileAction {
        func argv(_ key: String) throws(ProfileError) -> [String]? {
            guard let value = entry[key] else { return nil }
            guard let list = value as? [String], !list.isEmpty else { throw ProfileError("action \(index): \(key) must be a non-empty list of strings") }
            return list
        }
        switch entry["type"] as? String {
        case "file":
            guard let path = entry["path"] as? String, path.hasPrefix("/"), !path.contains("/../"), !path.hasSuffix("/..") else {
                throw ProfileError("action \(index): a file needs an absolute path")
            }
            let content = (entry["content"] as? String).map { Data($0.utf8) }
            let source = entry["source"] as? String
            guard (content == nil) != (source == nil) else { throw ProfileError("action \(index): a file needs either content or source") }
            let mode = (entry["mode"] as? NSNumber)?.uint32Value ?? 0o644
            guard mode <= 0o7777 else { throw ProfileError("action \(index): mode must be permission bits") }
            return .file(path: path, content: content, source: source, mode: mode)
        case "command":
            guard let command = try argv("argv") else { throw ProfileError("action \(index): a command needs argv") }
            return .command(Command(argv: command, check: try argv("check"), checkContains: entry["check_contains"] as? String,
                                    onlyIf: try argv("only_if"), afterChangeOf: entry["after_change_of"] as? [String],
                                    summary: entry["summary"] as? String))
        case let other:
            throw ProfileError("action \(index): unknown type \(other ?? "(none)")")
        }
    }
}

/// Why a profile could not be planned or applied.
struct ProfileError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}
