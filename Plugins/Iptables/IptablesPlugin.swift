import PluginAPI
import PluginKit

// The Iptables plugin: port forwards (DNAT + MASQUERADE) and firewall rules, applied atomically
// with iptables-restore in chains PosternProxy owns. This release describes the plugin; its
// `posternproxy.step/1` arrives with the data plane, and until then a pipeline naming it is
// refused at start ("does not provide posternproxy.step/1").

nonisolated(unsafe) private let descriptor = StaticPluginData.descriptor(
    id: "posternproxy.iptables", version: "0.1.0", name: "iptables port forwards",
    summary: "Applies port forwards and firewall rules with iptables-restore, in chains of its own.",
    kinds: UInt32(PP_KIND_STEP),
    getInterface: { _ in nil })

/// The plugin's entry point (see posternproxy_plugin.h).
@_cdecl("posternproxy_plugin_entry_v1")
public func posternproxyPluginEntry(_ host: UnsafePointer<pp_host_info>?) -> UnsafePointer<pp_plugin_descriptor>? {
    descriptor
}
