import Foundation
import Host

/// How the command loads plugins, and the folder it reads by default.
enum PluginLoading {
    static let loader = PluginLoader(host: HostIdentity(name: "posternproxy", version: HostIdentity.productVersion))
    static var folder: String { PluginFolder.configured() }
}
