import Foundation
import Host

/// Writes what one apply did, for the local pipeline and for agents alike: each resource's apply
/// status (applied / failed with the message), and the server's applied revision and status.
///
/// Work follows what changed, not the server's size: it reads only the server's resources that
/// are not plainly applied (an index holds them) and writes only statuses that differ, so an
/// apply that changed one host of 10,000 reads and writes one row.
enum ApplyRecorder {
    /// A resource an applied state held (served or referenced) or whose removal it applied.
    struct Resource: Sendable {
        var id: Int64
        var type: String
        /// When it was last changed, as stored in that state: a resource changed since stays
        /// pending for the next apply.
        var modifiedOn: SQLValue
        /// Whether it is an access list or certificate a served resource uses: it may belong to
        /// another server, so its status is read by id.
        var isReference: Bool
    }

    /// - Parameters:
    ///   - resources: what the applied state held.
    ///   - failure: why the server could not apply at all, or nil.
    static func record(
        _ db: any SQLConnection, serverID: Int64, revision: Int64, hash: String?, resources: [Resource],
        outcomes: [String: ResourceOutcome], failure: String?, steps: [String] = []
    ) throws {
        try ServerRepository.recordApplySteps(db, id: serverID, revision: revision, steps: steps)
        var recorded = try ResourceRepository.unsettled(db, serverID: serverID)
        let references = resources.filter(\.isReference).map(\.id)
        recorded.merge(try ResourceRepository.applyStates(db, ids: references)) { current, _ in current }
        let message = failure.map { "the server could not apply: \($0)" }
        // The outcomes that say more than "applied" (a plain one counts as none: applied, no
        // message): after most applies none, so a resource recorded as plainly applied is
        // passed over without making its key.
        let notPlain = outcomes.filter { $0.value.status != .applied || $0.value.message != nil }
        for resource in resources {
            // A resource of this server that is not unsettled is plainly applied; a reference
            // not found was deleted.
            let current = recorded[resource.id]
            if current == nil && (resource.isReference || (failure == nil && notPlain.isEmpty)) { continue }
            let currentStatus = current?.status ?? ResourceOutcome.Status.applied.rawValue
            let outcome = notPlain.isEmpty ? nil : notPlain["\(resource.type)_\(resource.id)"]
            let status = failure == nil ? (outcome?.status ?? .applied) : .failed
            let wanted = message ?? outcome?.message
            guard currentStatus != status.rawValue || current?.message != wanted else { continue }
            try ResourceRepository.recordApplyStatus(db, id: resource.id, status: status, message: wanted, ifNotModifiedAfter: resource.modifiedOn)
        }
        if let failure {
            try ServerRepository.recordApplyFailure(db, id: serverID, revision: revision, message: failure)
        } else {
            try ServerRepository.recordApplied(db, id: serverID, revision: revision, hash: hash)
        }
    }
}
