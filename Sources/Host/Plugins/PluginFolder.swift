import Glibc

/// Where hosts look for plugins by default.
public enum PluginFolder {
    /// The folder an installation puts plugins in.
    public static let installed = "/usr/local/lib/posternproxy/plugins"

    /// `$POSTERNPROXY_PLUGINS_DIR`; else a `plugins` folder beside the running executable (where
    /// scripts/build.sh gathers them); else ``installed``.
    public static func configured(_ environment: [String: String] = ProcessEnvironment.all) -> String {
        if let configured = environment["POSTERNPROXY_PLUGINS_DIR"], !configured.isEmpty { return configured }
        let beside = besideExecutable("plugins")
        return LocalFiles.isFolder(beside) ? beside : installed
    }

    /// `name` in the folder of the running executable.
    public static func besideExecutable(_ name: String) -> String {
        let executable = LocalFiles.linkTarget("/proc/self/exe") ?? CommandLine.arguments[0]
        return Path.join(Path.folder(of: executable), name)
    }
}
