/// Plugin versions are semantic versions: `MAJOR.MINOR.PATCH`, each a number without leading
/// zeros, optionally followed by `-prerelease` and `+build` of letters, digits, `-` and `.`
/// (`1.0.0`, `2.1.0-beta.1`, `0.3.0+git.5a1f`), at most 64 bytes. The catalog orders and shows
/// them, so `v1` or `latest` is refused at load.
public enum PluginVersion {
    public static func isValid(_ version: String) -> Bool {
        guard version.utf8.count <= 64 else { return false }
        var rest = Substring(version)
        var build: Substring?
        if let plus = rest.firstIndex(of: "+") {
            build = rest[rest.index(after: plus)...]
            rest = rest[..<plus]
        }
        var prerelease: Substring?
        if let dash = rest.firstIndex(of: "-") {
            prerelease = rest[rest.index(after: dash)...]
            rest = rest[..<dash]
        }
        let numbers = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard numbers.count == 3, numbers.allSatisfy(isNumber) else { return false }
        return [prerelease, build].allSatisfy { $0.map(isDottedIdentifiers) ?? true }
    }

    private static func isNumber(_ text: Substring) -> Bool {
        guard let first = text.utf8.first, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
        return first != 0x30 || text.utf8.count == 1
    }

    private static func isDottedIdentifiers(_ text: Substring) -> Bool {
        text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
            !part.isEmpty
                && part.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
        }
    }
}
