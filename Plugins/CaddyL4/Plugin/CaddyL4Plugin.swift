import CaddyL4Rendering
import Foundation
import PluginAPI
import PluginKit

// The CaddyL4 plugin: renders a server's desired state into Caddy JSON (`posternproxy.renderer/1`).
// Applying it through Caddy's admin API, and the layer4 app, come with the data-plane work.

nonisolated(unsafe) private let renderer = StaticPluginData.table(pp_renderer_v1(
    struct_size: UInt32(MemoryLayout<pp_renderer_v1>.size),
    media_type: StaticPluginData.permanent("application/json"),
    render: { raw in
        PluginCall.handle(raw) { call in
            let rendered = try CaddyRenderer.render(input: Data(call.input), settings: Data(call.config))
            return call.write(rendered)
        }
    }))

nonisolated(unsafe) private let descriptor = StaticPluginData.descriptor(
    id: "posternproxy.caddy", version: "0.1.0", name: "Caddy (HTTP and layer4)",
    summary: "Renders desired state into Caddy JSON configuration.",
    kinds: UInt32(PP_KIND_RENDERER),
    getInterface: { id in
        StaticPluginData.matches(id, PP_INTERFACE_RENDERER) ? renderer : nil
    })

/// The plugin's entry point (see posternproxy_plugin.h).
@_cdecl("posternproxy_plugin_entry_v1")
public func posternproxyPluginEntry(_ host: UnsafePointer<pp_host_info>?) -> UnsafePointer<pp_plugin_descriptor>? {
    descriptor
}
