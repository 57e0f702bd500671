import Foundation
import Host
import JSONCore

/// Every read and write of `pipelines`: a server's pipelines (or the default of every server,
/// `serverID` nil) kept as data, by name.
enum PipelineRepository {
    static func find(_ db: any SQLConnection, serverID: Int64?, name: String) throws -> DesiredPipeline? {
        guard let text = try db.value(String.self, "SELECT steps FROM pipelines WHERE IFNULL(server_id, 0) = ? AND name = ?", [serverID ?? 0, name])
        else { return nil }
        return try DesiredPipeline(json: JSONParser.parse(Array(text.utf8)))
    }

    /// The pipeline a server runs: its own, else the default; nil when neither is kept.
    static func effective(_ db: any SQLConnection, serverID: Int64, name: String) throws -> DesiredPipeline? {
        try find(db, serverID: serverID, name: name) ?? find(db, serverID: nil, name: name)
    }

    static func save(_ db: any SQLConnection, serverID: Int64?, name: String, pipeline: DesiredPipeline) throws {
        try delete(db, serverID: serverID, name: name)
        try db.execute(
            "INSERT INTO pipelines (server_id, name, steps, modified_on) VALUES (?, ?, ?, ?)",
            [serverID, name, String(decoding: pipeline.json.serialized(), as: UTF8.self), Date()])
    }

    static func delete(_ db: any SQLConnection, serverID: Int64?, name: String) throws {
        try db.execute("DELETE FROM pipelines WHERE IFNULL(server_id, 0) = ? AND name = ?", [serverID ?? 0, name])
    }

    /// The SHA-256 of every catalog plugin some kept pipeline names.
    static func namedPlugins(_ db: any SQLConnection) throws -> Set<String> {
        var named: Set<String> = []
        for text in try db.values(String.self, "SELECT steps FROM pipelines") {
            guard let pipeline = try? DesiredPipeline(json: JSONParser.parse(Array(text.utf8))) else { continue }
            named.formUnion(pipeline.catalogPlugins.map(\.sha256))
        }
        return named
    }
}
