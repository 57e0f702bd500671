import Foundation

/// Every read and write of `settings`: known keys only, a missing one read as its default.
enum SettingsRepository {
    /// The tables settings are read from.
    static let tables: Set<String> = ["settings"]

    /// Every setting with its value (or default).
    static func all(_ db: any SQLConnection) throws -> [String: String] {
        var values = Settings.known.mapValues(\.default)
        for row in try db.rows("SELECT key, value FROM settings") where Settings.known[row["key"]] != nil {
            values[row["key"]] = row["value"]
        }
        return values
    }

    /// The value of `key` (or its default); nil for a key that is not a setting.
    static func value(_ db: any SQLConnection, _ key: String) throws -> String? {
        guard let setting = Settings.known[key] else { return nil }
        return try db.value(String.self, "SELECT value FROM settings WHERE key = ?", [key]) ?? setting.default
    }

    static func set(_ db: any SQLConnection, _ key: String, _ value: String) throws {
        try db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, value])
    }
}
