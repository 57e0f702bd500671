/// How plugin files are named across the agent protocol, desired states and the catalog: the
/// lower-case hex SHA-256 of their bytes.
public enum PluginDigest {
    /// Whether `text` is 64 lower-case hex digits.
    public static func isValid(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
