import CaddyL4Rendering
import Foundation

/// The Caddy step's configuration, from the pipeline: the renderer's settings plus how to reach
/// and inspect this server's Caddy.
struct CaddyStepConfig: Decodable {
    /// Caddy's admin API socket (required: the rendered config keeps the admin API there).
    var adminSocket: String
    /// The caddy binary, for `caddy list-modules` [caddy on PATH].
    var caddyBinary: String
    var render: RenderSettings

    enum CodingKeys: String, CodingKey {
        case adminSocket = "admin_socket"
        case caddyBinary = "caddy_binary"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        adminSocket = try c.decode(String.self, forKey: .adminSocket)
        caddyBinary = try c.decodeIfPresent(String.self, forKey: .caddyBinary) ?? "caddy"
        render = try RenderSettings(from: decoder)
        render.adminSocket = adminSocket
    }

    static func decode(_ bytes: [UInt8]) throws -> CaddyStepConfig {
        do {
            return try JSONDecoder().decode(CaddyStepConfig.self, from: Data(bytes))
        } catch {
            throw StepFailure("config needs \"admin_socket\" (Caddy's admin API unix socket): \(error)")
        }
    }
}

/// A failure a step reports as its one-line error.
struct StepFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
