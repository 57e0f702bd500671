/// Plugin ids are reverse-DNS names: `posternproxy.caddy`, `com.example.motd`.
public enum PluginIdentifier {
    /// Whether `id` is one of PosternProxy's own plugins (`posternproxy.*`), which every host
    /// ships with: pipelines name them without fetching them.
    public static func isFirstParty(_ id: String) -> Bool { id.hasPrefix("posternproxy.") }

    /// Lower-case letters, digits, `-` inside labels, at least two labels, at most 128 bytes.
    public static func isValid(_ id: String) -> Bool {
        guard id.utf8.count <= 128 else { return false }
        let labels = id.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        return labels.allSatisfy { label in
            guard let first = label.utf8.first, let last = label.utf8.last else { return false }
            let allowed = label.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
            return allowed && first != 0x2D && last != 0x2D
        }
    }
}
