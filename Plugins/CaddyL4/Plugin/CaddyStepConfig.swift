import CaddyL4Rendering
import JSONCore
import PluginKit
import Synchronization

/// The Caddy step's configuration, from the pipeline: the renderer's settings plus how to reach
/// and inspect this server's Caddy.
struct CaddyStepConfig: Sendable {
    /// Caddy's admin API socket (required: the rendered config keeps the admin API there).
    var adminSocket: String
    /// The caddy binary, for `caddy list-modules` [caddy on PATH].
    var caddyBinary: String
    /// Ports of this machine no upstream may lead to [Caddy's default admin port, 2019].
    var protectedPorts: Set<Int> = [2019]
    /// Up to what size (KiB of JSON) plans keep the desired state they read, to decode only what
    /// changed next time (``DesiredStateReader``) [0: none].
    var keepStateUpToKiB = 0
    /// Up to what size (KiB) a larger state is kept while it changes, and for how long after
    /// its last change (``StateKeeping``) [0, 0: none].
    var keepChangingStateUpToKiB = 0
    var keepChangingStateSeconds = 0
    var render: RenderSettings

    /// The config last decoded, with its text: a pipeline hands its step the same config at
    /// every run, and its list of Caddy's modules is most of the decoding.
    private static let lastDecoded = Mutex<(text: [UInt8], config: CaddyStepConfig)?>(nil)

    /// The config in `bytes`: the one decoded last time when `bytes` are its text.
    static func decode(_ bytes: [UInt8]) throws -> CaddyStepConfig {
        if let known = lastDecoded.withLock({ $0.flatMap { $0.text == bytes ? $0.config : nil } }) { return known }
        let config = try decodeAfresh(bytes)
        lastDecoded.withLock { $0 = (bytes, config) }
        return config
    }

    private static func decodeAfresh(_ bytes: [UInt8]) throws -> CaddyStepConfig {
        do throws(JSONReadError) {
            let json = try JSONParser.parse(bytes)
            let object = try JSONObject(json)
            var render = try RenderSettings(json: json)
            let socket: String = try object.required("admin_socket")
            render.adminSocket = socket
            let ports: [Int] = try object.value("protected_ports", default: [2019])
            return CaddyStepConfig(
                adminSocket: socket, caddyBinary: try object.value("caddy_binary", default: "caddy"), protectedPorts: Set(ports),
                keepStateUpToKiB: try object.value("keep_state_up_to_kib", default: 0),
                keepChangingStateUpToKiB: try object.value("keep_changing_state_up_to_kib", default: 0),
                keepChangingStateSeconds: try object.value("keep_changing_state_seconds", default: 0), render: render)
        } catch {
            throw failure(error)
        }
    }

    /// Only the admin socket, for the phases that talk to Caddy but do not render: the rest of
    /// the config (a list of every module) is stepped over.
    static func adminSocket(in bytes: [UInt8]) throws -> String {
        do throws(JSONReadError) {
            return try JSONObject.requiredMember("admin_socket", of: bytes)
        } catch {
            throw failure(error)
        }
    }

    private static func failure(_ error: JSONReadError) -> PluginFailure {
        PluginFailure("config needs \"admin_socket\" (Caddy's admin API unix socket): \(error)")
    }
}
