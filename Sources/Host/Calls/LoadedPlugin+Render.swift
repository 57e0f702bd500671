import Glibc
import PluginAPI

/// A call into a plugin (a render, a describe) that did not produce its output.
public struct PluginCallError: Error, Sendable, Equatable, CustomStringConvertible {
    public var plugin: String
    public var message: String

    public init(plugin: String, message: String) {
        self.plugin = plugin
        self.message = message
    }

    public var description: String { "\(plugin): \(message)" }
}

extension LoadedPlugin {
    /// Calls the plugin's `posternproxy.renderer/1` with `input` (desired state JSON) and returns
    /// the artifact. Renderers are granted no effects. Log records go to `onLog`.
    public func render(
        _ input: [UInt8], config: [UInt8] = [UInt8]("{}".utf8),
        onLog: @escaping (PluginLogRecord) -> Void = { _ in }
    ) throws(PluginCallError) -> [UInt8] {
        guard let renderer = interface(PP_INTERFACE_RENDERER, as: pp_renderer_v1.self),
            let render = renderer.pointee.render
        else {
            throw PluginCallError(plugin: id, message: "does not provide \(PP_INTERFACE_RENDERER)")
        }
        let services = HostServices(
            grants: [], target: nil, cancellation: CancellationFlag(),
            onLog: onLog, onProgress: { _ in })
        let result = PluginInvocation.call(render, config: config, input: input, services: services)
        guard result.status == PP_OK else {
            throw PluginCallError(plugin: id, message: result.error.isEmpty ? "render returned status \(result.status)" : result.error)
        }
        guard !result.outputOverflowed else {
            throw PluginCallError(plugin: id, message: "artifact exceeds \(PluginInvocation.outputLimit) bytes")
        }
        return result.output
    }
}
