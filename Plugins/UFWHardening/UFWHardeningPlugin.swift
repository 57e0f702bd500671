import PluginAPI
import PluginKit

// The UFWHardening plugin, `posternproxy.hardening`: hardening profiles (UFW, fail2ban,
// unattended-upgrades, sysctl) as declarative actions the host checks, applies and reverts
// (HardeningProfile).

nonisolated(unsafe) private let profile = StaticPluginData.table(
    pp_profile_v1(
        struct_size: UInt32(MemoryLayout<pp_profile_v1>.size),
        actions: { raw in PluginCall.handle(raw, HardeningProfile.actions) }))

nonisolated(unsafe) private let descriptor = StaticPluginData.descriptor(
    id: "posternproxy.hardening", version: "0.2.0", name: "UFW hardening",
    summary: "Hardening profiles: UFW, fail2ban, unattended-upgrades and sysctl.",
    kinds: UInt32(PP_KIND_PROFILE),
    getInterface: { id in StaticPluginData.matches(id, PP_INTERFACE_PROFILE) ? profile : nil })

/// The plugin's entry point (see posternproxy_plugin.h).
@_cdecl("posternproxy_plugin_entry_v1")
public func posternproxyPluginEntry(_ host: UnsafePointer<pp_host_info>?) -> UnsafePointer<pp_plugin_descriptor>? {
    StaticPluginData.entry(descriptor, for: host)
}
