import CaddyL4Rendering
import JSONCore
import PluginAPI
import PluginKit

/// The `posternproxy.caddy` step: renders the desired state and loads it into Caddy through its
/// admin API, skipping the load when Caddy already runs this exact rendering, and leaving out —
/// and reporting — each resource Caddy rejects while the others still apply.
///
/// plan → ``CaddyPlan``; apply → ``CaddyJournal``; verify checks Caddy runs the planned tag;
/// rollback loads the journal's previous config. Each phase makes at most one admin request
/// of its own when all goes well: plan asks for the running tag (``runningTag(rendering:admin:)``
/// says when it need not), apply loads, verify asks for the tag again. Nothing is read before a
/// load: what Caddy served is counted from its traffic log, which outlives loads (``TrafficMeter``).
enum CaddyApplier {
    /// Prefix of the `@id` that marks a loaded config with the hash of its rendering.
    static let tagPrefix = "posternproxy_config_"

    /// What the last plan rendered of each resource, for the next plan of this process.
    private static let renderMemo = RenderMemo()

    static func plan(_ call: PluginCall) throws -> Int32 {
        let config = try CaddyStepConfig.decode(call.config)
        let admin = CaddyAdmin(host: call.host, socket: config.adminSocket)
        var settings = config.render
        let trafficLog = settings.certificateLog.map(TrafficLog.file(certificateLog:))
        if let trafficLog { TrafficMeter.follow(log: trafficLog, host: call.host) }
        if settings.modules == nil { settings.modules = try CaddyDescription.modules(call.host, binary: config.caddyBinary) }
        // Read from the host's buffer: the reader copies it into memory it already has.
        let (decoded, inputCount, keptUpTo) = try call.withInput { input in
            let keptUpTo = StateKeeping.shared.limit(
                for: input, alwaysKiB: config.keepStateUpToKiB, whileChangingKiB: config.keepChangingStateUpToKiB,
                seconds: config.keepChangingStateSeconds)
            return (try DesiredStateReader.shared.readTracing(input, keepingUpTo: keptUpTo), input.count, keptUpTo)
        }
        var state = decoded.state
        let refused = UpstreamCheck.rejections(state, protectedPorts: config.protectedPorts, resolve: SystemResolver.resolve)
        if !refused.isEmpty {
            for index in state.proxyHosts.indices where refused[ResourceKey(kind: "proxy_host", id: state.proxyHosts[index].id)] != nil {
                state.proxyHosts[index].enabled = false
            }
            for index in state.streamHosts.indices where refused[ResourceKey(kind: "stream_host", id: state.streamHosts[index].id)] != nil {
                state.streamHosts[index].enabled = false
            }
        }
        // What was rendered is kept with the state it was rendered from, and within the same bound.
        let keeps = inputCount <= keptUpTo
        if !keeps { renderMemo.forget() }
        // The reader's lineage tells the memo which hosts it kept, for a state rendered as read.
        var result = CaddyRenderer.render(
            state, settings: settings, memo: keeps ? renderMemo : nil, lineage: refused.isEmpty ? decoded.lineage : nil)
        result.rejected.merge(refused) { first, _ in first }
        let (bytes, tag) = taggedSerialization(result.config)
        let runningTag = try runningTag(rendering: tag, admin: admin)
        for (key, message) in result.rejected.sorted(by: { $0.key < $1.key }) {
            call.host.log(PP_LOG_WARNING, "\(key) left out: \(message)")
        }
        let plan = CaddyPlan(
            changes: runningTag == tag ? [] : ["load config \(tag): \(result.rendered.count) resources, \(result.rejected.count) left out"],
            tag: tag, runningTag: runningTag, rendered: result.rendered,
            rejected: Dictionary(uniqueKeysWithValues: result.rejected.map { ($0.key.tag, $0.value) }), config: bytes)
        let serialized = plan.serialized()
        let served = trafficLog.map { PendingPlans.Served(log: $0, state: state, leftOut: Set(result.rejected.keys)) }
        if plan.changes.isEmpty {
            // Caddy runs this rendering: its traffic counts under these names.
            served?.remember()
        } else {
            PendingPlans.keep(plan, as: serialized, serving: served)
        }
        return call.write(serialized)
    }

    static func apply(_ call: PluginCall) throws -> Int32 {
        let admin = CaddyAdmin(host: call.host, socket: try CaddyStepConfig.adminSocket(in: call.config))
        let pending = call.withInput(PendingPlans.take)
        let plan = try pending?.plan ?? read("plan") { () throws(JSONReadError) in try CaddyPlan(reading: call.input) }
        var journal = CaddyJournal(previous: try previousConfig(plan, admin: admin), tag: plan.tag)
        journal.reserve(plan.rendered.count + plan.rejected.count)
        // In tag order: the same plan gives the same journal. (Usually none.)
        for (tag, message) in plan.rejected.sorted(by: { $0.key < $1.key }) {
            guard let resource = ResourceKey(tag: tag) else { throw PluginFailure("the plan's rejected \(tag) is not a resource's tag") }
            journal.settle(resource, .failed(message))
        }
        defer { call.write(journal.serialized()) }

        // The rendering as planned, tagged, goes to Caddy as it is; only a rejection makes the
        // step read it as JSON, to blame a resource and cut it out. (A plan whose config is not
        // tagged yet, as an earlier version wrote them, is tagged here.)
        var bytes = plan.config.starts(with: Array(#"{"@id":"\#(plan.tag)""#.utf8)) ? plan.config : tagged(plan.config, tag: plan.tag)
        // Caddy refuses a resource rarely: the rendered list is not hashed until it does.
        var leftOut: Set<ResourceKey> = []
        do {
            while let error = try admin.load(bytes) {
                let document = try JSONParser.parse(bytes)
                guard let blamed = ConfigBlame.resource(in: error, config: document), !leftOut.contains(blamed), plan.rendered.contains(blamed)
                else {
                    throw PluginFailure("Caddy rejected the configuration: \(error)")
                }
                call.host.log(PP_LOG_WARNING, "\(blamed) rejected by Caddy, left out: \(error)")
                journal.settle(blamed, .failed(error))
                leftOut.insert(blamed)
                bytes = ConfigBlame.removing(blamed, from: document).serialized()
            }
        } catch {
            // Caddy may have taken the config even so (its answer was lost): what it runs is
            // asked again at the next plan.
            LoadedConfigs.forget(socket: admin.socket)
            throw error
        }
        LoadedConfigs.remember(socket: admin.socket, tag: plan.tag, config: bytes)
        if var served = pending?.served {
            served.leftOut.formUnion(leftOut)
            served.remember()
        }
        var applied = 0
        for key in plan.rendered where leftOut.isEmpty || !leftOut.contains(key) {
            journal.settle(key, .applied)
            applied += 1
        }
        call.host.progress("Caddy loaded \(plan.tag): \(applied) applied, \(journal.results.count - applied) failed")
        return PP_OK
    }

    static func verify(_ call: PluginCall) throws -> Int32 {
        let socket = try CaddyStepConfig.adminSocket(in: call.config)
        let tag = try read("plan") { () throws(JSONReadError) in try CaddyPlan.tag(in: call.input) }
        guard try CaddyAdmin(host: call.host, socket: socket).runningTag() == tag else {
            return call.fail("Caddy does not run the configuration \(tag) after loading it")
        }
        return PP_OK
    }

    static func rollback(_ call: PluginCall) throws -> Int32 {
        let socket = try CaddyStepConfig.adminSocket(in: call.config)
        guard let previous = try read("journal", { () throws(JSONReadError) in try CaddyJournal(reading: call.input) }).previous else { return PP_OK }
        // Caddy no longer runs the config this process loaded last: the next plan asks what it runs.
        LoadedConfigs.forget(socket: socket)
        if let error = try CaddyAdmin(host: call.host, socket: socket).load(previous) {
            return call.fail("Caddy refused the previous configuration: \(error)")
        }
        return PP_OK
    }

    // MARK: - Helpers

    /// The tag of the config Caddy runs, for the plan. Caddy is asked, except when this process
    /// loaded the last config into it and `rendering` differs from that one: the rendering is
    /// loaded whatever Caddy says, and the config to roll back to is the one loaded (a config
    /// loaded since by someone else is not kept: the data plane watch replaces it with the
    /// applied one). When the rendering is the one loaded, Caddy is asked, so that a Caddy that
    /// restarted empty or was given another config is loaded again.
    private static func runningTag(rendering tag: String, admin: CaddyAdmin) throws -> String? {
        if let loaded = LoadedConfigs.tag(socket: admin.socket), loaded != tag { return loaded }
        return try admin.runningTag()
    }

    /// The config to roll back to: the one this process loaded when Caddy still runs it, or else
    /// what Caddy says it runs; nil when it runs none.
    private static func previousConfig(_ plan: CaddyPlan, admin: CaddyAdmin) throws -> [UInt8]? {
        if let running = plan.runningTag, let loaded = LoadedConfigs.config(socket: admin.socket, tag: running) { return loaded }
        let current = try admin.currentConfig()
        let text = current.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }
        return text.isEmpty || text.starts(with: "null".utf8) ? nil : current
    }

    /// A document this plugin wrote (a plan or a journal), read back.
    private static func read<Document>(_ name: String, _ body: () throws(JSONReadError) -> Document) throws -> Document {
        do {
            return try body()
        } catch {
            throw PluginFailure("the \(name) is not one this plugin wrote: \(error)")
        }
    }

    /// The config with its `@id` tag spliced in as the root object's first member.
    static func tagged(_ config: [UInt8], tag: String) -> [UInt8] {
        guard config.first == UInt8(ascii: "{") else { return config }
        let member = Array("\"@id\":\"\(tag)\"".utf8) + (config.count > 2 ? [UInt8(ascii: ",")] : [])
        return [UInt8(ascii: "{")] + member + config.dropFirst()
    }

    /// `config` serialized with its tag as the root's first member, and the tag: ``tagPrefix``
    /// and a 64-bit hash, in 16 hex digits, of the serialization with the digits all zero, which
    /// tells one config from another. The digits are written where they lie, so the config is
    /// written once (a copy to add the tag cost 1–2 ms at 10,000 hosts).
    static func taggedSerialization(_ config: JSON) -> (bytes: [UInt8], tag: String) {
        let placeholder = tagPrefix + String(repeating: "0", count: 16)
        var bytes = JSON.object([("@id", .string(placeholder))] + (config.objectMembers ?? [])).serialized()
        let hex = String(Fingerprint.of(bytes), radix: 16)
        let tag = tagPrefix + String(repeating: "0", count: 16 - hex.count) + hex
        // `{"@id":"` then the tag: its digits replace the placeholder's.
        let digits = #"{"@id":""#.utf8.count + tagPrefix.utf8.count
        bytes.replaceSubrange(digits..<(digits + 16), with: tag.utf8.suffix(16))
        return (bytes, tag)
    }
}
