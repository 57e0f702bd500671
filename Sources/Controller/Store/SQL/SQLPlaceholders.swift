/// Parameter markers for a statement's list of values, so the values are bound, never written
/// into the SQL text.
enum SQLPlaceholders {
    /// `count` markers separated by commas (`?, ?, ?`), for `IN (…)` or `VALUES (…)`.
    static func list(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }
}
