import Foundation
import GRDB
import Host

/// What the local Caddy is: its version and modules, as `caddy version` and `caddy list-modules`
/// print them, recorded on the local server so the API can refuse what it cannot run.
enum CaddyFacts {
    static func record(binary: String, store: Store) async throws {
        let target = LocalTarget()
        let version = try target.run(TargetCommand(argv: [binary, "version"], timeout: .seconds(20)), onLine: { _ in }, isCancelled: { false })
        let modules = try target.run(TargetCommand(argv: [binary, "list-modules"], timeout: .seconds(20)), onLine: { _ in }, isCancelled: { false })
        guard version.exitStatus == 0, modules.exitStatus == 0 else { return }
        let versionText = String(decoding: version.standardOutput, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
        let names = String(decoding: modules.standardOutput, as: UTF8.self).split(separator: "\n").compactMap { line -> String? in
            let name = line.split(separator: " ").first.map(String.init) ?? ""
            return name.isEmpty || name.hasSuffix(":") ? nil : name
        }
        let json = String(decoding: try JSONEncoder().encode(names), as: UTF8.self)
        try await store.database.write { db in
            try db.execute(sql: "UPDATE servers SET caddy_version = ?, caddy_modules = ? WHERE is_local = 1", arguments: [versionText, json])
        }
    }
}
