import CaddyL4Rendering
import JSONCore
import PluginAPI
import PluginKit

/// `posternproxy.describe/1` for this server's Caddy: `{"version", "modules"}` from `caddy
/// version` and `caddy list-modules` (probes), with the binary the step's config names. Asked
/// for its health (input `{"health": true}`): `{"running", "upstreams": [{"address", "requests",
/// "fails"}], "problem"}` from the admin API instead, and, when the config names a
/// `certificate_log`, `"certificates": [{"domain", "state", "message", "at"}]` from that log
/// (``CertificateLog``): cheap enough for a report every few seconds. With `"traffic": true` in
/// the input too, and a `certificate_log` (the traffic log is beside it), `"traffic": {"hosts":
/// [...], "unattributed"}`: what each host served since the last such question (``TrafficMeter``),
/// at most 1,000 hosts, and `"traffic_more": true` when the next question hands out more of the
/// same reading. Asked to check (input `{"check": true}`): `{"running", "problem"}` from one admin
/// request, whether Caddy runs the config this process last loaded into it (``problem(admin:)``),
/// and the traffic log read as far as it was written: cheap enough for every two seconds. Asked for a host's access log (input `{"access_log": {...}}`): its recent lines
/// (``AccessLogReader``).
enum CaddyDescription {
    static func describe(_ call: PluginCall) throws -> Int32 {
        let config = try? JSONObject(JSONParser.parse(call.config))
        let input = try? JSONParser.parse(call.input)
        let certificateLog: String? = try? config?.optional("certificate_log")
        if case .bool(true)? = input?["check"] {
            let admin = CaddyAdmin(host: call.host, socket: try CaddyStepConfig.adminSocket(in: call.config))
            // Every few seconds: the traffic log is read as it grows, so a roll between reports loses nothing.
            if let certificateLog { TrafficMeter.read(log: TrafficLog.file(certificateLog: certificateLog), host: call.host) }
            let problem = problem(admin: admin)
            return call.write(
                JSON.object([("running", .bool(problem?.running ?? true)), ("problem", problem.map { .string($0.message) } ?? .null)])
                    .serialized())
        }
        if let query = input?["access_log"] {
            let reader = try AccessLogReader(query)
            guard let log = certificateLog else {
                throw PluginFailure("access logs need the step's certificate_log setting: they are written beside it")
            }
            return call.write(reader.answer(call.host.readFile(AccessLogs.file(hostID: reader.hostID, certificateLog: log))).serialized())
        }
        if case .bool(true)? = input?["health"] {
            let socket: String = try CaddyStepConfig.adminSocket(in: call.config)
            let admin = CaddyAdmin(host: call.host, socket: socket)
            let upstreams = admin.upstreams()
            let running = upstreams != nil || admin.answers()
            var health: [(String, JSON)] = [("running", .bool(running)), ("upstreams", .array(upstreams ?? []))]
            if let problem = problem(admin: admin) { health.append(("problem", .string(problem.message))) }
            if let log = certificateLog {
                health.append(("certificates", .array(CertificateLog.entries(in: call.host.readFile(log) ?? []).map(\.json))))
            }
            var traffic: [(String, [UInt8])] = []
            if case .bool(true)? = input?["traffic"], let certificateLog,
                let taken = TrafficMeter.take(log: TrafficLog.file(certificateLog: certificateLog), host: call.host)
            {
                traffic = [("traffic", taken.report)]
                if taken.more { health.append(("traffic_more", .bool(true))) }
            }
            return call.write(JSON.serializedObject(health, raw: traffic))
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

    /// What is wrong with what Caddy serves, when something is: it does not answer on its admin
    /// socket; it runs no config, or one PosternProxy did not load (it restarted empty, or was
    /// given another); or it runs another config than the one this process last loaded into it.
    /// Nil when it runs what was applied (or, before this process loaded anything, a config
    /// PosternProxy loaded).
    static func problem(admin: CaddyAdmin) -> (running: Bool, message: String)? {
        let answer: String?
        do { answer = try admin.runningTag() } catch { return (false, "Caddy does not answer on its admin socket \(admin.socket)") }
        guard let running = answer, running.hasPrefix(CaddyApplier.tagPrefix) else {
            return (true, "Caddy runs no configuration from PosternProxy (it restarted empty, or another was loaded)")
        }
        if let loaded = LoadedConfigs.tag(socket: admin.socket), loaded != running {
            return (true, "Caddy runs another configuration (\(running)) than the one applied (\(loaded))")
        }
        return nil
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
