/// `LIKE` patterns that take the user's text literally: `%`, `_` and the escape character are
/// characters to find, not wildcards. Use with `LIKE ? ESCAPE '\'`.
enum SQLPattern {
    /// Matches any text containing `text`; lower-case both sides for a match that ignores case.
    static func containing(_ text: String) -> String {
        let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
        return "%\(escaped)%"
    }
}
