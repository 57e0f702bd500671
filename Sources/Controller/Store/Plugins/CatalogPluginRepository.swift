import Foundation

/// Every read and write of `catalog_plugins`: the plugin files the controller keeps, by SHA-256.
enum CatalogPluginRepository {
    struct Entry: Sendable, Equatable {
        var sha256: String
        var pluginID: String
        var version: String
        var name: String
        var summary: String
        var kinds: String
        var abi: String
        var interfaces: [String]
        /// JSON text of the plugin's declaration, when it declares one.
        var declaration: String?
        /// Base64 Ed25519 signature over the file, when the uploader gave one.
        var signature: String?
        var size: Int64
        var uploadedOn: Date
    }

    static func list(_ db: any SQLConnection) throws -> [Entry] {
        try db.rows("SELECT * FROM catalog_plugins ORDER BY plugin_id, uploaded_on").map(entry)
    }

    static func find(_ db: any SQLConnection, sha256: String) throws -> Entry? {
        try db.row("SELECT * FROM catalog_plugins WHERE sha256 = ?", [sha256]).map(entry)
    }

    /// The versions of one plugin id, the newest upload last.
    static func versions(_ db: any SQLConnection, pluginID: String) throws -> [Entry] {
        try db.rows("SELECT * FROM catalog_plugins WHERE plugin_id = ? ORDER BY uploaded_on", [pluginID]).map(entry)
    }

    static func insert(_ db: any SQLConnection, _ entry: Entry) throws {
        try db.execute(
            """
            INSERT INTO catalog_plugins (sha256, plugin_id, version, name, summary, kinds, abi, interfaces, declaration, signature, size, uploaded_on)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                entry.sha256, entry.pluginID, entry.version, entry.name, entry.summary, entry.kinds, entry.abi,
                entry.interfaces.joined(separator: ","), entry.declaration, entry.signature, entry.size, entry.uploadedOn,
            ])
    }

    static func delete(_ db: any SQLConnection, sha256: String) throws {
        try db.execute("DELETE FROM catalog_plugins WHERE sha256 = ?", [sha256])
    }

    private static func entry(_ row: SQLRow) -> Entry {
        let interfaces: String = row["interfaces"]
        return Entry(
            sha256: row["sha256"], pluginID: row["plugin_id"], version: row["version"], name: row["name"], summary: row["summary"],
            kinds: row["kinds"], abi: row["abi"], interfaces: interfaces.split(separator: ",").map(String.init),
            declaration: row["declaration"], signature: row["signature"], size: row["size"], uploadedOn: row["uploaded_on"])
    }
}
