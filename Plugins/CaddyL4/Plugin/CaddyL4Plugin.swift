import CaddyL4Rendering
import JSONCore
import PluginAPI
import PluginKit

// The CaddyL4 plugin, `posternproxy.caddy`: renders a server's desired state into Caddy JSON
// (`posternproxy.renderer/1`) and loads it into Caddy through its admin API
// (`posternproxy.step/1`, see CaddyApplier), and says what this server's Caddy is
// (`posternproxy.describe/1`, see CaddyDescription).

nonisolated(unsafe) private let renderer = StaticPluginData.table(
    pp_renderer_v1(
        struct_size: UInt32(MemoryLayout<pp_renderer_v1>.size),
        media_type: StaticPluginData.permanent("application/json"),
        render: { raw in
            PluginCall.handle(raw) { call in
                call.write(try CaddyRenderer.render(input: [UInt8](call.input), settings: [UInt8](call.config)))
            }
        }))

nonisolated(unsafe) private let step = StaticPluginData.table(
    pp_step_v1(
        struct_size: UInt32(MemoryLayout<pp_step_v1>.size),
        plan: { raw in PluginCall.handle(raw, CaddyApplier.plan) },
        apply: { raw in PluginCall.handle(raw, CaddyApplier.apply) },
        verify: { raw in PluginCall.handle(raw, CaddyApplier.verify) },
        rollback: { raw in PluginCall.handle(raw, CaddyApplier.rollback) }))

nonisolated(unsafe) private let description = StaticPluginData.table(
    pp_describe_v1(
        struct_size: UInt32(MemoryLayout<pp_describe_v1>.size),
        describe: { raw in PluginCall.handle(raw, CaddyDescription.describe) }))

nonisolated(unsafe) private let descriptor = StaticPluginData.descriptor(
    id: "posternproxy.caddy", version: "0.2.0", name: "Caddy (HTTP and layer4)",
    summary: "Renders desired state into Caddy JSON and loads it through Caddy's admin API.",
    kinds: UInt32(PP_KIND_RENDERER | PP_KIND_STEP),
    getInterface: { id in
        if StaticPluginData.matches(id, PP_INTERFACE_RENDERER) { return renderer }
        if StaticPluginData.matches(id, PP_INTERFACE_STEP) { return step }
        if StaticPluginData.matches(id, PP_INTERFACE_DESCRIBE) { return description }
        return nil
    })

/// The plugin's entry point (see posternproxy_plugin.h).
@_cdecl("posternproxy_plugin_entry_v1")
public func posternproxyPluginEntry(_ host: UnsafePointer<pp_host_info>?) -> UnsafePointer<pp_plugin_descriptor>? {
    StaticPluginData.entry(descriptor, for: host)
}
