import Glibc

/// The plugins one host has loaded, by id, and the files it refused with their reasons.
public struct PluginCatalog: Sendable {
    /// Accepted plugins, in the order they were loaded.
    public private(set) var plugins: [LoadedPlugin] = []
    /// Refused files, with the reason for each.
    public private(set) var refusals: [PluginLoadError] = []
    /// The folders its plugins were loaded from, to say where a missing id was looked for.
    public private(set) var folders: [String] = []

    public init() {}

    /// Loads every `*.so` file of `folder` (sorted by name, so the first of two files with the
    /// same plugin id wins and the second is refused, on every run alike).
    public static func load(folder: String, loader: PluginLoader) throws -> PluginCatalog {
        try load(folders: [folder], loader: loader)
    }

    /// Loads the `*.so` files of each folder in turn, each sorted by name: with the same plugin id
    /// in two places, the earlier folder's (or file's) wins and the other is refused.
    public static func load(folders: [String], loader: PluginLoader) throws -> PluginCatalog {
        var catalog = PluginCatalog()
        catalog.folders = folders
        for folder in folders {
            let names = try LocalFiles.names(in: folder).filter { $0.hasSuffix(".so") }.sorted()
            for name in names {
                catalog.add(file: Path.join(folder, name), loader: loader)
            }
        }
        return catalog
    }

    /// Loads one file into the catalog, recording a refusal instead when it cannot be accepted.
    public mutating func add(file: String, loader: PluginLoader) {
        do {
            let plugin = try loader.load(file)
            if let first = self.plugin(id: plugin.id) {
                refusals.append(PluginLoadError(file: file, reason: .duplicateID(id: plugin.id, firstFile: first.file)))
            } else {
                plugins.append(plugin)
            }
        } catch {
            refusals.append(error)
        }
    }

    /// This catalog with `chosen` in place of the plugins of the same ids (a pipeline's catalog
    /// plugins over the ones the host ships with).
    public func choosing(_ chosen: [LoadedPlugin]) -> PluginCatalog {
        var catalog = self
        let ids = Set(chosen.map(\.id))
        catalog.plugins = chosen + plugins.filter { !ids.contains($0.id) }
        return catalog
    }

    /// The plugin with this id, if one was accepted.
    public func plugin(id: String) -> LoadedPlugin? {
        plugins.first { $0.id == id }
    }

    /// Why no plugin of `id` is here: where it looked, what it loaded, and what it refused.
    public func absence(of id: String) -> String {
        let place = folders.isEmpty ? "no plugin loaded here" : "no plugin loaded from \(folders.joined(separator: ", "))"
        let loaded = plugins.isEmpty ? "none loaded" : "loaded: \(plugins.map(\.id).sorted().joined(separator: ", "))"
        let refused =
            refusals.isEmpty ? "" : "; \(refusals.count) file\(refusals.count == 1 ? "" : "s") refused (`posternproxy plugins list` says why)"
        return "\(place) has the id \(id) (\(loaded))\(refused)"
    }
}
