import JSONCore
import PluginAPI
import PluginKit

/// `posternproxy.describe/1` for this server's Caddy: `{"version", "modules"}` from `caddy
/// version` and `caddy list-modules` (probes), with the binary the step's config names; asked
/// for its health (input `{"health": true}`), `{"running", "upstreams": [{"address", "requests",
/// "fails"}]}` from the admin API instead, which is cheap enough for a report every 30 seconds.
enum CaddyDescription {
    static func describe(_ call: PluginCall) throws -> Int32 {
        let config = try? JSONObject(JSONParser.parse(call.config))
        if case .bool(true)? = (try? JSONParser.parse(call.input))?["health"] {
            let socket: String = try CaddyStepConfig.adminSocket(in: call.config)
            let admin = CaddyAdmin(host: call.host, socket: socket)
            let upstreams = admin.upstreams()
            let running = upstreams != nil || admin.answers()
            var health: [(String, JSON)] = [("running", .bool(running)), ("upstreams", .array(upstreams ?? []))]
            if let log: String = try? config?.optional("certificate_log") {
                health.append(("certificates", .array(CertificateLog.entries(in: call.host.readFile(log) ?? []).map(\.json))))
            }
            return call.write(JSON.object(health).serialized())
        }
        let binary: String = (try? config?.value("caddy_binary", default: "caddy")) ?? "caddy"
        let version = call.host.run([binary, "version"], probe: true, quiet: true)
        guard version.status == PP_OK, version.exitStatus == 0 else {
            throw PluginFailure(
                "cannot run `\(binary) version` (exit \(version.exitStatus)): \(String(decoding: version.standardError.prefix(500), as: UTF8.self))")
        }
        let firstWord = String(decoding: version.standardOutput, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" }).first
        let modules = try modules(call.host, binary: binary)
        return call.write(
            JSON.object([("version", .string(firstWord.map(String.init) ?? "")), ("modules", .strings(modules.sorted()))]).serialized())
    }

    /// The modules of this server's Caddy, from `caddy list-modules` (a probe): one name per
    /// line, the summary lines (ending in `:`) left out.
    static func modules(_ host: HostProxy, binary: String) throws -> Set<String> {
        let output = host.run([binary, "list-modules"], probe: true, quiet: true)
        guard output.status == PP_OK, output.exitStatus == 0 else {
            throw PluginFailure(
                "cannot list Caddy's modules with `\(binary) list-modules` (exit \(output.exitStatus)): \(String(decoding: output.standardError.prefix(500), as: UTF8.self))"
            )
        }
        return Set(
            String(decoding: output.standardOutput, as: UTF8.self).split(separator: "\n").compactMap { line in
                let name = line.split(separator: " ").first.map(String.init) ?? ""
                return name.isEmpty || name.hasSuffix(":") ? nil : name
            })
    }
}
