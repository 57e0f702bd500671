import JSONCore
/// One action a profile plugin returns (`posternproxy.profile/1`; the vocabulary is in
/// PLUGINS.md): a file that must hold some content, or a command with the conditions under which
/// it runs. Encoded as the host reads it (snake_case members, absent ones left out).
public struct ProfileAction: Encodable, Sendable, Equatable {
    public enum Kind: String, Encodable, Sendable { case file, command }

    public var type: Kind
    public var path: String?
    public var content: String?
    public var source: String?
    public var mode: UInt32?
    public var argv: [String]?
    public var check: [String]?
    public var checkContains: String?
    public var afterChangeOf: [String]?
    public var onlyIf: [String]?
    public var summary: String?

    enum CodingKeys: String, CodingKey {
        case type, path, content, source, mode, argv, check, summary
        case checkContains = "check_contains", afterChangeOf = "after_change_of", onlyIf = "only_if"
    }
}

/// Builders for ``ProfileAction``s, so every profile spells them the same way.
public enum ProfileActions {
    /// A file that must hold `content` (or the host's file `source`) with `mode`.
    public static func file(_ path: String, content: String? = nil, source: String? = nil, mode: UInt32 = 0o644) -> ProfileAction {
        ProfileAction(type: .file, path: path, content: content, source: source, mode: mode)
    }

    /// A command, run when `check` fails (or its output lacks `checkContains`), when one of
    /// `afterChangeOf` changed in the same run, and only where `onlyIf` succeeds.
    public static func command(
        _ argv: [String], check: [String]? = nil, checkContains: String? = nil, afterChangeOf: [String]? = nil,
        onlyIf: [String]? = nil, summary: String? = nil
    ) -> ProfileAction {
        ProfileAction(
            type: .command, argv: argv, check: check, checkContains: checkContains, afterChangeOf: afterChangeOf, onlyIf: onlyIf, summary: summary)
    }

    /// The answer of a profile's `actions` call: `{"actions": [...]}`.
    public static func encoded(_ actions: [ProfileAction]) throws -> [UInt8] {
        struct Answer: Encodable { var actions: [ProfileAction] }
        return try JSONValueEncoder().encode(Answer(actions: actions)).canonical().serialized()
    }

    /// The `part` a profile step's config chooses (`{"part": "caddy"}`); nil when absent.
    public static func part(of config: [UInt8]) -> String? {
        guard case .string(let part)? = (try? JSONParser.parse(config))?["part"] else { return nil }
        return part
    }
}
