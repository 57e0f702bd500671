import Foundation
import Host

/// Where the command looks for plugins, and how it loads them.
enum PluginFolder {
    /// The folder an installation puts plugins in.
    static let installed = "/usr/local/lib/posternproxy/plugins"

    /// `$POSTERNPROXY_PLUGINS_DIR`, else ``installed``.
    static var configured: String {
        ProcessInfo.processInfo.environment["POSTERNPROXY_PLUGINS_DIR"] ?? installed
    }

    static let loader = PluginLoader(host: HostIdentity(name: "posternproxy", version: HostIdentity.productVersion))
}
