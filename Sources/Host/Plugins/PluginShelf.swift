import Glibc
import Synchronization

/// Plugins from the controller's catalog that a host keeps, each in `<folder>/<sha256>.so`: a
/// folder only the host's user may enter or write (0700), so no other user can swap a plugin
/// between its check and its load. A file here was verified by its SHA-256 (and signature)
/// before it was stored, and is loaded with the same loader checks as any plugin. Each file is
/// loaded at most once per process (hosts never unload): a load's refusal is kept too, so a
/// plugin that cannot load is reported at every apply without being loaded again.
public final class PluginShelf: Sendable {
    public let folder: String
    private let loader: PluginLoader
    private let loaded = Mutex<[String: Result<LoadedPlugin, PluginLoadError>]>([:])

    public init(folder: String, loader: PluginLoader) throws(LocalFileError) {
        self.folder = folder
        self.loader = loader
        try LocalFiles.createFolder(folder, mode: 0o700)
        _ = chmod(folder, 0o700)
    }

    public func path(of sha256: String) -> String { Path.join(folder, "\(sha256).so") }

    public func holds(_ sha256: String) -> Bool { LocalFiles.exists(path(of: sha256)) }

    /// Stores bytes whose SHA-256 the caller has verified to be `sha256`, readable by this user only.
    public func store(_ bytes: [UInt8], sha256: String) throws(LocalFileError) {
        try LocalFiles.replace(path(of: sha256), with: bytes, mode: 0o600)
    }

    /// The plugin stored under `sha256`, loaded once; it must have the id the pipeline names.
    public func plugin(_ sha256: String, id: String) throws(PluginLoadError) -> LoadedPlugin {
        let file = path(of: sha256)
        let result = loaded.withLock { known in
            if let result = known[sha256] { return result }
            let result = Result { () throws(PluginLoadError) in try loader.load(file) }
            known[sha256] = result
            return result
        }
        let plugin = try result.get()
        guard plugin.id == id else {
            throw PluginLoadError(file: file, reason: .malformedDescriptor("its id is \(plugin.id), but the pipeline names it as \(id)"))
        }
        return plugin
    }

    /// `bundled` with the pipeline's catalog plugins in place of any of the same id. Throws the
    /// first plugin that cannot be loaded, with the loader's message.
    public func catalog(for pipeline: DesiredPipeline, over bundled: PluginCatalog) throws(PluginLoadError) -> PluginCatalog {
        var chosen: [LoadedPlugin] = []
        for (id, _, sha256) in pipeline.catalogPlugins { chosen.append(try plugin(sha256, id: id)) }
        return bundled.choosing(chosen)
    }

    /// Removes the stored plugins no pipeline names (`keeping`) that were last named more than
    /// `grace` seconds ago, judged by the file's change time, which ``touch(_:)`` renews. Returns
    /// the SHA-256s removed. A plugin loaded in this process stays mapped until it exits.
    @discardableResult
    public func removeUnreferenced(keeping: Set<String>, grace: Int, now: Int = Int(time(nil))) -> [String] {
        guard let names = try? LocalFiles.names(in: folder) else { return [] }
        var removed: [String] = []
        for name in names where name.hasSuffix(".so") {
            let sha256 = String(name.dropLast(3))
            guard !keeping.contains(sha256) else { continue }
            var info = stat()
            guard stat(path(of: sha256), &info) == 0, now - Int(info.st_mtim.tv_sec) > grace else { continue }
            if (try? LocalFiles.remove(path(of: sha256))) == true { removed.append(sha256) }
        }
        return removed
    }

    /// Marks the plugins a pipeline names as in use now, for ``removeUnreferenced(keeping:grace:now:)``.
    public func touch(_ sha256s: some Sequence<String>) {
        for sha256 in sha256s { _ = utimes(path(of: sha256), nil) }
    }
}
