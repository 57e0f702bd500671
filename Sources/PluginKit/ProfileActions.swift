/// Builders for the actions a profile plugin returns (`posternproxy.profile/1`; the vocabulary
/// is in PLUGINS.md), so every profile spells them the same way.
public enum ProfileActions {
    /// A file that must hold `content` (or the host's file `source`) with `mode`.
    public static func file(_ path: String, content: String? = nil, source: String? = nil, mode: UInt32 = 0o644) -> [String: Any] {
        var action: [String: Any] = ["type": "file", "path": path, "mode": mode]
        if let content { action["content"] = content }
        if let source { action["source"] = source }
        return action
    }

    /// A command, run when `check` fails (or its output lacks `checkContains`), when one of
    /// `afterChangeOf` changed in the same run, and only where `onlyIf` succeeds.
    public static func command(
        _ argv: [String], check: [String]? = nil, checkContains: String? = nil, afterChangeOf: [String]? = nil,
        onlyIf: [String]? = nil, summary: String? = nil
    ) -> [String: Any] {
        var action: [String: Any] = ["type": "command", "argv": argv]
        if let check { action["check"] = check }
        if let checkContains { action["check_contains"] = checkContains }
        if let afterChangeOf { action["after_change_of"] = afterChangeOf }
        if let onlyIf { action["only_if"] = onlyIf }
        if let summary { action["summary"] = summary }
        return action
    }
}
