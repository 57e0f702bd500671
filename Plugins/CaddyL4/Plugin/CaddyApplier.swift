import CaddyL4Rendering
import Foundation
import PluginAPI
import PluginKit

/// The `posternproxy.caddy` step: renders the desired state and loads it into Caddy through its
/// admin API, skipping the load when Caddy already runs this exact rendering, and leaving out —
/// and reporting — each resource Caddy rejects while the others still apply.
///
/// plan → `{"changes", "tag", "config", "rendered", "rejected"}`; apply → the journal
/// `{"previous", "tag", "resource_results"}`; verify checks the tag is loaded; rollback loads the
/// previous config.
enum CaddyApplier {
    /// Prefix of the `@id` that marks a loaded config with the hash of its rendering.
    static let tagPrefix = "posternproxy_config_"

    static func plan(_ call: PluginCall) throws -> Int32 {
        let config = try CaddyStepConfig.decode(call.config)
        var settings = config.render
        if settings.modules == nil { settings.modules = try modules(call.host, binary: config.caddyBinary) }
        let state = try DecodingFailure.describing("desired state") { try JSONDecoder().decode(DesiredState.self, from: Data(call.input)) }
        let result = CaddyRenderer.render(state, settings: settings)
        let bytes = result.serialized()
        let tag = tagPrefix + fnv1a(bytes)
        let loaded = try CaddyAdmin(host: call.host, socket: config.adminSocket).hasObject(tag)
        let changes: [String] = loaded ? [] : ["load config \(tag): \(result.rendered.count) resources, \(result.rejected.count) left out"]
        for (key, message) in result.rejected.sorted(by: { $0.key < $1.key }) {
            call.host.log(PP_LOG_WARNING, "\(key) left out: \(message)")
        }
        let plan: [String: Any] = [
            "changes": changes, "tag": tag, "config": String(decoding: bytes, as: UTF8.self),
            "rendered": result.rendered.map(\.tag),
            "rejected": Dictionary(uniqueKeysWithValues: result.rejected.map { ($0.key.tag, $0.value) }),
        ]
        return call.write(try JSONSerialization.data(withJSONObject: plan))
    }

    static func apply(_ call: PluginCall) throws -> Int32 {
        let config = try CaddyStepConfig.decode(call.config)
        let plan = try Plan(call.input)
        let admin = CaddyAdmin(host: call.host, socket: config.adminSocket)
        let previous = try admin.currentConfig()
        var results: [String: Any] = [:]
        for (tag, message) in plan.rejected { results[tag] = ["status": "failed", "message": message] }
        defer { call.write(journal(previous: previous, tag: plan.tag, results: results)) }

        // The rendering as planned, tagged, goes to Caddy as it is; only a rejection makes the
        // step read it as JSON, to blame a resource and cut it out.
        var bytes = tagged(Array(plan.config.utf8), tag: plan.tag)
        var remaining = Set(plan.rendered)
        while let error = try admin.load(bytes) {
            let document = try JSONSerialization.jsonObject(with: Data(bytes))
            guard let blamed = ConfigBlame.resource(in: error, config: document), remaining.contains(blamed.tag) else {
                throw StepFailure("Caddy rejected the configuration: \(error)")
            }
            call.host.log(PP_LOG_WARNING, "\(blamed) rejected by Caddy, left out: \(error)")
            results[blamed.tag] = ["status": "failed", "message": error]
            remaining.remove(blamed.tag)
            bytes = Array(try JSONSerialization.data(withJSONObject: ConfigBlame.removing(blamed, from: document), options: [.withoutEscapingSlashes]))
        }
        for tag in remaining { results[tag] = ["status": "applied"] }
        call.host.progress("Caddy loaded \(plan.tag): \(remaining.count) applied, \(results.count - remaining.count) failed")
        return PP_OK
    }

    static func verify(_ call: PluginCall) throws -> Int32 {
        let config = try CaddyStepConfig.decode(call.config)
        let plan = try Plan(call.input)
        guard try CaddyAdmin(host: call.host, socket: config.adminSocket).hasObject(plan.tag) else {
            return call.fail("Caddy does not run the configuration \(plan.tag) after loading it")
        }
        return PP_OK
    }

    static func rollback(_ call: PluginCall) throws -> Int32 {
        let config = try CaddyStepConfig.decode(call.config)
        guard let journal = try JSONSerialization.jsonObject(with: Data(call.input)) as? [String: Any],
            let previous = journal["previous"], !(previous is NSNull)
        else { return PP_OK }
        let bytes = try JSONSerialization.data(withJSONObject: previous, options: [.withoutEscapingSlashes])
        if let error = try CaddyAdmin(host: call.host, socket: config.adminSocket).load(Array(bytes)) {
            return call.fail("Caddy refused the previous configuration: \(error)")
        }
        return PP_OK
    }

    // MARK: - Helpers

    /// What apply needs of the plan.
    private struct Plan {
        var tag: String
        var config: String
        var rendered: [String]
        var rejected: [String: String]

        init(_ bytes: [UInt8]) throws {
            guard let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
                let tag = object["tag"] as? String, let config = object["config"] as? String
            else { throw StepFailure("the plan is not one this plugin wrote") }
            self.tag = tag
            self.config = config
            rendered = object["rendered"] as? [String] ?? []
            rejected = object["rejected"] as? [String: String] ?? [:]
        }
    }

    /// The config with its `@id` tag spliced in as the root object's first member.
    static func tagged(_ config: [UInt8], tag: String) -> [UInt8] {
        guard config.first == UInt8(ascii: "{") else { return config }
        let member = Array("\"@id\":\"\(tag)\"".utf8) + (config.count > 2 ? [UInt8(ascii: ",")] : [])
        return [UInt8(ascii: "{")] + member + config.dropFirst()
    }

    /// The journal: the previous config (JSON as Caddy gave it, embedded as it is), the tag, and
    /// what became of each resource.
    private static func journal(previous: String, tag: String, results: [String: Any]) -> [UInt8] {
        let resultsJSON = (try? JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])) ?? Data("{}".utf8)
        let previousJSON = previous.trimmingCharacters(in: .whitespacesAndNewlines)
        return Array(#"{"previous":\#(previousJSON.isEmpty ? "null" : previousJSON),"tag":"\#(tag)","resource_results":"#.utf8)
            + Array(resultsJSON) + [UInt8(ascii: "}")]
    }

    /// The modules of this server's Caddy, from `caddy list-modules` (a probe).
    private static func modules(_ host: HostProxy, binary: String) throws -> Set<String> {
        let output = host.run([binary, "list-modules"], probe: true, quiet: true)
        guard output.status == PP_OK, output.exitStatus == 0 else {
            throw StepFailure("cannot list Caddy's modules with `\(binary) list-modules` (exit \(output.exitStatus)): \(String(decoding: output.standardError.prefix(500), as: UTF8.self))")
        }
        return Set(String(decoding: output.standardOutput, as: UTF8.self).split(separator: "\n").compactMap { line in
            let name = line.split(separator: " ").first.map(String.init) ?? ""
            return name.isEmpty || name.hasSuffix(":") ? nil : name
        })
    }

    /// FNV-1a, 64 bits, as hex: tells one rendering from another (not a security hash).
    static func fnv1a(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return String(hash, radix: 16)
    }
}
