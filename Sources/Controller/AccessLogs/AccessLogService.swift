import Foundation
import Host
import JSONCore

/// A proxy host's recent access-log lines, read on the server that serves it: the local
/// server's through its own pipeline, a remote one's through its agent (a typed, read-only
/// request over the agent link). The host must have its access log on.
struct AccessLogService: Sendable {
    let store: Store
    /// Reads the local server's logs; nil when the controller runs no local data plane.
    let local: (@Sendable (AccessLogQuery) async -> Result<(lines: [JSON], found: Bool), AccessLogFailure>)?
    /// Asks a server's agent.
    let remote: @Sendable (Int64, AccessLogQuery) async throws -> AccessLogAnswer

    /// `{"lines": [...], "found", "server_id"}`, newest first.
    func read(_ query: AccessLogQuery) async throws -> JSON {
        let (serverID, isLocal) = try await store.database.read { db in
            guard let row = try ResourceRepository.find(db, id: query.hostID, type: ProxyHostKind.type) else {
                throw DomainError.notFound(ProxyHostKind.type)
            }
            guard case .bool(true)? = (try? JSONParser.parse(Array(row.data.utf8)))?["access_log"] else {
                throw DomainError.conflict(field: "access_log", "this host's access log is off: turn it on in the host's settings first")
            }
            return (row.serverID, try ServerRepository.localID(db) == row.serverID)
        }
        let lines: [JSON]
        let found: Bool
        if isLocal {
            guard let local else { throw DomainError.unavailable(code: "no_local_data_plane", "the controller runs no local data plane") }
            switch await local(query) {
            case .success(let log): (lines, found) = (log.lines, log.found)
            case .failure(let failure): throw DomainError.upstream(code: "access_log_unreadable", failure.message)
            }
        } else {
            let answer = try await remote(serverID, query)
            if let error = answer.error { throw DomainError.upstream(code: "access_log_unreadable", error) }
            (lines, found) = (answer.lines, answer.found)
        }
        return .object([("lines", .array(lines)), ("found", .bool(found)), ("server_id", .int(Int(serverID)))])
    }
}

/// Where access logs are read: the local server's pipeline (nil without one) and the agents.
struct AccessLogReaders: Sendable {
    var local: (@Sendable (AccessLogQuery) async -> Result<(lines: [JSON], found: Bool), AccessLogFailure>)?
    var remote: @Sendable (Int64, AccessLogQuery) async throws -> AccessLogAnswer

    init(
        local: (@Sendable (AccessLogQuery) async -> Result<(lines: [JSON], found: Bool), AccessLogFailure>)? = nil,
        remote: @escaping @Sendable (Int64, AccessLogQuery) async throws -> AccessLogAnswer = { _, _ in
            throw DomainError.unavailable(code: "agent_offline", "no agents are served here")
        }
    ) {
        self.local = local
        self.remote = remote
    }

    /// The local server's logs, read through `pipeline`'s describing step on a thread of its own.
    static func local(pipeline: PipelineDefinition, catalog: PluginCatalog)
        -> @Sendable (AccessLogQuery) async -> Result<
            (lines: [JSON], found: Bool), AccessLogFailure
        >
    {
        { query in await onOwnThread { DataPlaneAccessLog.read(query, pipeline: pipeline, catalog: catalog, target: LocalTarget()) } }
    }
}
