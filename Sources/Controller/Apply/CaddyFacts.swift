import Foundation
import Host

/// Records what the local data plane said it is (its Caddy's version and modules) on the local
/// server, so the API can refuse what it cannot run.
enum CaddyFacts {
    static func record(_ facts: DataPlaneFacts, store: Store) async throws {
        try await store.database.write { db in try ServerRepository.recordLocalCaddy(db, version: facts.version, modules: facts.modules) }
    }
}
