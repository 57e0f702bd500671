import Foundation

/// Secrets of this controller that never leave it (not in backups, not in the API): random
/// bytes made on first use, kept by name.
enum ControllerSecretRepository {
    /// The secret `name`; made of `bytes` random bytes and stored the first time it is asked for.
    static func secret(_ db: any SQLConnection, name: String, bytes: Int = 32) throws -> Data {
        if let stored = try db.value(Data.self, "SELECT secret FROM controller_secrets WHERE name = ?", [name]), stored.count == bytes {
            return stored
        }
        var generator = SystemRandomNumberGenerator()
        let made = Data((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try db.execute("INSERT OR REPLACE INTO controller_secrets (name, secret, created_on) VALUES (?, ?, ?)", [name, made, Date()])
        return made
    }
}
