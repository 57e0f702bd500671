import Foundation

/// The data folder holds the database (password hashes, sealed SSH credentials, private keys of
/// certificates), the credentials key and Caddy's state: only the controller's user may read it.
/// At every start the folder and every folder in it are made 0700 and every file 0600, and the
/// process's umask becomes 077 so what it creates later (SQLite's journal files, certificates)
/// starts private. Symbolic links are neither followed nor changed.
enum DataFolderPermissions {
    /// Fixes `folder`; returns the paths whose mode had to change, for a warning.
    @discardableResult
    static func secure(_ folder: String) -> [String] {
        umask(0o077)
        var fixed: [String] = []
        func enforce(_ path: String, mode: mode_t) {
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT != S_IFLNK else { return }
            if info.st_mode & 0o7777 != mode, chmod(path, mode) == 0 { fixed.append(path) }
        }
        enforce(folder, mode: 0o700)
        let enumerator = FileManager.default.enumerator(
            at: URL(fileURLWithPath: folder), includingPropertiesForKeys: [.isSymbolicLinkKey, .isDirectoryKey],
            options: [], errorHandler: { _, _ in true })
        while let url = enumerator?.nextObject() as? URL {
            let values = try? url.resourceValues(forKeys: [.isSymbolicLinkKey, .isDirectoryKey])
            if values?.isSymbolicLink == true { continue }
            enforce(url.path, mode: values?.isDirectory == true ? 0o700 : 0o600)
        }
        return fixed
    }
}
