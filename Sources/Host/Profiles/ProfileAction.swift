import Glibc
import JSONCore

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
    case file(path: String, content: [UInt8]?, source: String?, mode: UInt32)
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
    static func parse(_ output: [UInt8]) throws(ProfileError) -> [ProfileAction] {
        guard let document = try? JSONParser.parse(output), case .array(let list)? = document["actions"] else {
            throw ProfileError("the profile's output is not {\"actions\": [...]}")
        }
        return try list.enumerated().map { index, entry throws(ProfileError) in try parse(entry, index: index) }
    }

    private static func parse(_ entry: JSON, index: Int) throws(ProfileError) -> ProfileAction {
        func string(_ key: String) -> String? {
            if case .string(let text)? = entry[key] { text } else { nil }
        }
        func argv(_ key: String) throws(ProfileError) -> [String]? {
            guard let value = entry[key] else { return nil }
            guard let list = try? [String](json: value), !list.isEmpty else {
                throw ProfileError("action \(index): \(key) must be a non-empty list of strings")
            }
            return list
        }
        switch string("type") {
        case "file":
            guard let path = string("path"), path.hasPrefix("/"), !path.contains("/../"), !path.hasSuffix("/..") else {
                throw ProfileError("action \(index): a file needs an absolute path")
            }
            let content = string("content").map { [UInt8]($0.utf8) }
            let source = string("source")
            guard (content == nil) != (source == nil) else { throw ProfileError("action \(index): a file needs either content or source") }
            var mode = 0o644
            if let value = entry["mode"] {
                guard case .int(let bits) = value, (0...0o7777).contains(bits) else {
                    throw ProfileError("action \(index): mode must be permission bits")
                }
                mode = bits
            }
            return .file(path: path, content: content, source: source, mode: UInt32(mode))
        case "command":
            guard let command = try argv("argv") else { throw ProfileError("action \(index): a command needs argv") }
            return .command(
                Command(
                    argv: command, check: try argv("check"), checkContains: string("check_contains"),
                    onlyIf: try argv("only_if"), afterChangeOf: entry["after_change_of"].flatMap { try? [String](json: $0) },
                    summary: string("summary")))
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
