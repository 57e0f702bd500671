import Foundation
import Host

/// Writes what one apply did, for the local pipeline and for agents alike: each resource's apply
/// status (applied / failed with the message), and the server's applied revision and status.
/// A resource whose status is already the one recorded is not written again, so an apply that
/// changed one host of 10,000 writes one row.
enum ApplyRecorder {
    /// - Parameters:
    ///   - resources: what the applied state held, with when each was last changed; a resource
    ///     changed since then stays pending for the next apply.
    ///   - failure: why the server could not apply at all, or nil.
    static func record(
        _ db: any SQLConnection, serverID: Int64, revision: Int64, hash: String?, resources: [(id: Int64, modifiedOn: SQLValue)],
        outcomes: [String: ResourceOutcome], failure: String?
    ) throws {
        let recorded = try ResourceRepository.applyStates(db, ids: resources.map(\.id))
        for (id, modifiedOn) in resources {
            guard let current = recorded[id] else { continue }
            let outcome = outcomes["\(current.type)_\(id)"]
            let status = failure == nil ? (outcome?.status ?? .applied) : .failed
            let message = failure.map { "the server could not apply: \($0)" } ?? outcome?.message
            guard current.status != status.rawValue || current.message != message else { continue }
            try ResourceRepository.recordApplyStatus(db, id: id, status: status, message: message, ifNotModifiedAfter: modifiedOn)
        }
        if let failure {
            try ServerRepository.recordApplyFailure(db, id: serverID, revision: revision, message: failure)
        } else {
            try ServerRepository.recordApplied(db, id: serverID, revision: revision, hash: hash)
        }
    }
}
