import Foundation
import Host

/// Where the command looks for plugins, and how it loads them.
enum PluginFolder {
    /// The folder an installation puts plugins in.
    static let installed = "/usr/local/lib/posternproxy/plugins"

    /// `$POSTERNPROXY_PLUGINS_DIR`; else a `plugins` folder beside the executable (where
    /// scripts/build.sh gathers them); else ``installed``.
    static var configured: String {
        if let configured = ProcessInfo.processInfo.environment["POSTERNPROXY_PLUGINS_DIR"] { return configured }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let beside = ((executable as NSString).deletingLastPathComponent as NSString).appendingPathComponent("plugins")
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: beside, isDirectory: &isFolder) && isFolder.boolValue ? beside : installed
    }

    static let loader = PluginLoader(host: HostIdentity(name: "posternproxy", version: HostIdentity.productVersion))
}
