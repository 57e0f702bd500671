import Foundation
import GRDB
import Host

/// Records the local Caddy's version and modules on the local server, so the API can refuse what
/// it cannot run.
enum CaddyFacts {
    static func record(binary: String, store: Store) async throws {
        guard let probe = CaddyProbe.run(binary: binary) else { return }
        let json = String(decoding: try JSONEncoder().encode(probe.modules), as: UTF8.self)
        try await store.database.write { db in
            try db.execute(sql: "UPDATE servers SET caddy_version = ?, caddy_modules = ? WHERE is_local = 1", arguments: [probe.version, json])
        }
    }
}
