import PluginAPI
import PluginKit

// The SSHProvisioner plugin, `posternproxy.ssh`: the SSH transport (libssh2) through which the
// host reaches a server being provisioned, and the provisioning profiles (Caddy, the agent),
// which describe where they keep the agent's token (`posternproxy.describe/1`).
// Steps never see credentials: they act through the host's run/read/write services, which the
// host forwards to this transport.

nonisolated(unsafe) private let transport = StaticPluginData.table(
    pp_transport_v1(
        struct_size: UInt32(MemoryLayout<pp_transport_v1>.size),
        open: { call, session in SSHTransport.open(call, session) },
        run: { session, host, command, output, errors, exitStatus in SSHTransport.run(session, host, command, output, errors, exitStatus) },
        read_file: { session, host, path, size, content in SSHTransport.readFile(session, host, path, size, content) },
        write_file: { session, host, path, size, content, mode in SSHTransport.writeFile(session, host, path, size, content, mode) },
        remove_file: { session, host, path, size in SSHTransport.removeFile(session, host, path, size) },
        close: { session in SSHTransport.close(session) }))

nonisolated(unsafe) private let profile = StaticPluginData.table(
    pp_profile_v1(
        struct_size: UInt32(MemoryLayout<pp_profile_v1>.size),
        actions: { raw in PluginCall.handle(raw, ProvisioningProfile.actions) }))

nonisolated(unsafe) private let describe = StaticPluginData.table(
    pp_describe_v1(
        struct_size: UInt32(MemoryLayout<pp_describe_v1>.size),
        describe: { raw in PluginCall.handle(raw, ProvisioningDescription.describe) }))

nonisolated(unsafe) private let descriptor = StaticPluginData.descriptor(
    id: "posternproxy.ssh", version: "0.2.0", name: "SSH provisioner",
    summary: "Reaches servers over SSH (libssh2) and installs Caddy and the agent on them.",
    kinds: UInt32(PP_KIND_TRANSPORT | PP_KIND_PROFILE),
    getInterface: { id in
        if StaticPluginData.matches(id, PP_INTERFACE_TRANSPORT) { return transport }
        if StaticPluginData.matches(id, PP_INTERFACE_DESCRIBE) { return describe }
        return StaticPluginData.matches(id, PP_INTERFACE_PROFILE) ? profile : nil
    })

/// The plugin's entry point (see posternproxy_plugin.h).
@_cdecl("posternproxy_plugin_entry_v1")
public func posternproxyPluginEntry(_ host: UnsafePointer<pp_host_info>?) -> UnsafePointer<pp_plugin_descriptor>? {
    StaticPluginData.entry(descriptor, for: host)
}
