import PluginAPI
import PluginKit

// The Iptables plugin, `posternproxy.iptables`: port forwards (DNAT + MASQUERADE, and ACCEPT in
// FORWARD) applied atomically with iptables-restore in chains PosternProxy owns (IptablesStep).

nonisolated(unsafe) private let step = StaticPluginData.table(
    pp_step_v1(
        struct_size: UInt32(MemoryLayout<pp_step_v1>.size),
        plan: { raw in PluginCall.handle(raw, IptablesStep.plan) },
        apply: { raw in PluginCall.handle(raw, IptablesStep.apply) },
        verify: { raw in PluginCall.handle(raw, IptablesStep.verify) },
        rollback: { raw in PluginCall.handle(raw, IptablesStep.rollback) }))

nonisolated(unsafe) private let descriptor = StaticPluginData.descriptor(
    id: "posternproxy.iptables", version: "0.2.0", name: "iptables port forwards",
    summary: "Applies port forwards with iptables-restore, atomically, in chains of its own.",
    kinds: UInt32(PP_KIND_STEP),
    getInterface: { id in StaticPluginData.matches(id, PP_INTERFACE_STEP) ? step : nil })

/// The plugin's entry point (see posternproxy_plugin.h).
@_cdecl("posternproxy_plugin_entry_v1")
public func posternproxyPluginEntry(_ host: UnsafePointer<pp_host_info>?) -> UnsafePointer<pp_plugin_descriptor>? {
    StaticPluginData.entry(descriptor, for: host)
}
