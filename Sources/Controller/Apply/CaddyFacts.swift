import Foundation
import GRDB
import Host

/// Records the local Caddy's version and modules on the local server, so the API can refuse what
/// it cannot run.
enum CaddyFacts {
    static func record(binary: String, store: Store) async throws {
        guard let probe = CaddyProbe.run(binary: binary) else { return }
        try await store.database.write { db in try ServerRepository.recordLocalCaddy(db, version: probe.version, modules: probe.modules) }
    }
}
