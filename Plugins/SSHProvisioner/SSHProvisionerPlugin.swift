import PluginAPI
import PluginKit

// The SSHProvisioner plugin: the SSH transport (libssh2) and the provisioning steps. This release
// describes the plugin; `posternproxy.transport/1` and its steps arrive with provisioning, and
// until then a pipeline naming it is refused at start.

nonisolated(unsafe) private let descriptor = StaticPluginData.descriptor(
    id: "posternproxy.ssh", version: "0.1.0", name: "SSH provisioner",
    summary: "Reaches remote servers over SSH and installs Caddy and the agent on them.",
    kinds: UInt32(PP_KIND_TRANSPORT | PP_KIND_STEP),
    getInterface: { _ in nil })

/// The plugin's entry point (see posternproxy_plugin.h).
@_cdecl("posternproxy_plugin_entry_v1")
public func posternproxyPluginEntry(_ host: UnsafePointer<pp_host_info>?) -> UnsafePointer<pp_plugin_descriptor>? {
    descriptor
}
