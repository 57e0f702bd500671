import PluginAPI
import PluginKit

// The UFWHardening plugin: hardening profiles (UFW, fail2ban, unattended-upgrades, sysctl) as
// declarative actions. This release describes the plugin; `posternproxy.profile/1` arrives with
// provisioning.

nonisolated(unsafe) private let descriptor = StaticPluginData.descriptor(
    id: "posternproxy.hardening", version: "0.1.0", name: "UFW hardening",
    summary: "Hardening profiles: UFW, fail2ban, unattended-upgrades and sysctl.",
    kinds: UInt32(PP_KIND_PROFILE),
    getInterface: { _ in nil })

/// The plugin's entry point (see posternproxy_plugin.h).
@_cdecl("posternproxy_plugin_entry_v1")
public func posternproxyPluginEntry(_ host: UnsafePointer<pp_host_info>?) -> UnsafePointer<pp_plugin_descriptor>? {
    descriptor
}
