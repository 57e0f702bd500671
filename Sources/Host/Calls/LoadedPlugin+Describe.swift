import JSONCore
import PluginAPI

/// What a data-plane step plugin reported about its target (`posternproxy.describe/1`).
public struct DataPlaneFacts: Sendable, Equatable {
    /// What runs, as its own tool prints it ("v2.11.1").
    public var version: String
    /// The modules it has.
    public var modules: [String]

    public init(version: String, modules: [String]) {
        self.version = version
        self.modules = modules
    }

    /// The facts the first step of `pipeline` that describes its target reports, asked on
    /// `target` with that step's config; nil when no step describes or the one that does fails.
    public static func probe(_ pipeline: PipelineDefinition, catalog: PluginCatalog, target: some Target) -> DataPlaneFacts? {
        guard let object = pipeline.description(input: "{}", catalog: catalog, target: target),
            let version: String = try? object.required("version"), let modules: [String] = try? object.required("modules")
        else { return nil }
        return DataPlaneFacts(version: version, modules: modules)
    }
}

/// How a data plane is doing now, as the first step of a pipeline that can say reports it
/// (`posternproxy.describe/1` with `{"health": true}`): the agent's status report.
public struct DataPlaneHealth: Sendable, Equatable {
    public var running: Bool
    public var upstreams: [AgentMessage.UpstreamHealth]
    /// Nil when the step does not say how automatic certificates are doing.
    public var certificates: [AgentMessage.CertificateState]?
    /// What is wrong with what the data plane serves (Caddy restarted empty), nil when nothing is.
    public var problem: String?
    /// What each host served since the previous probe; nil when the step does not count it
    /// (or when it was kept as text).
    public var traffic: AgentMessage.TrafficReport?
    /// The same as the step wrote it, checked, when the probe was asked to forward it.
    public var trafficText: [UInt8]?
    /// Whether the step has more of the same traffic to hand out: a step hands out a large
    /// count in parts (some 1,000 hosts each), and the next probe, made at once, takes the next.
    public var moreTraffic = false

    public init(
        running: Bool, upstreams: [AgentMessage.UpstreamHealth], certificates: [AgentMessage.CertificateState]? = nil, problem: String? = nil,
        traffic: AgentMessage.TrafficReport? = nil
    ) {
        self.running = running
        self.upstreams = upstreams
        self.certificates = certificates
        self.problem = problem
        self.traffic = traffic
    }

    /// Whether a certificate is being obtained: its outcome is worth reporting soon.
    public var obtainingCertificates: Bool { certificates?.contains { $0.state == .obtaining } ?? false }

    /// As the agent reports it.
    public var report: AgentMessage.StatusReport {
        AgentMessage.StatusReport(
            caddyRunning: running, upstreams: upstreams, certificates: certificates, problem: problem, traffic: traffic,
            trafficText: trafficText)
    }

    /// The most parts one report's traffic is sent in; the rest waits for the next report.
    public static let maximumTrafficParts = 100

    /// One status report: `probe`'s health handed to `send`, then, while the step has more of
    /// the same traffic, probed and sent again at once, each part as soon as it is taken (up to
    /// ``maximumTrafficParts``). Returns the first part.
    public static func report(
        probe: () async -> DataPlaneHealth, send: (DataPlaneHealth) async throws -> Void
    ) async rethrows -> DataPlaneHealth {
        let first = await probe()
        try await send(first)
        var more = first.moreTraffic
        var parts = 1
        while more, parts < maximumTrafficParts {
            let next = await probe()
            try await send(next)
            more = next.moreTraffic
            parts += 1
        }
        return first
    }

    /// Nil when no step of `pipeline` describes, or the one that does fails. Each probe takes
    /// the traffic counted since the previous one: decoded into ``traffic``, or, with
    /// `forwardingTraffic` (an agent, which only sends it on), checked into ``trafficText``.
    public static func probe(
        _ pipeline: PipelineDefinition, catalog: PluginCatalog, target: some Target, forwardingTraffic: Bool = false
    ) -> DataPlaneHealth? {
        guard
            let (object, raw) = pipeline.description(
                input: #"{"health":true,"traffic":true}"#, catalog: catalog, target: target, keepingRaw: ["traffic"]),
            let running: Bool = try? object.required("running")
        else { return nil }
        let list: [JSON] = (try? object.value("upstreams", default: [])) ?? []
        let upstreams = list.prefix(10_000).compactMap { entry -> AgentMessage.UpstreamHealth? in
            guard let fields = try? JSONObject(entry), let address: String = try? fields.required("address") else { return nil }
            let requests: Int = (try? fields.value("requests", default: 0)) ?? 0
            let fails: Int = (try? fields.value("fails", default: 0)) ?? 0
            return AgentMessage.UpstreamHealth(address: String(address.prefix(300)), requests: Int64(requests), fails: Int64(fails))
        }
        let certificates = (try? object.optional("certificates") as [JSON]?)?.map { list in
            list.prefix(AgentMessage.CertificateState.maximumCount).compactMap { try? AgentMessage.CertificateState($0) }
        }
        let problem = (try? object.optional("problem") as String?).flatMap { $0 }.map { String($0.prefix(1000)) }
        var health = DataPlaneHealth(running: running, upstreams: upstreams, certificates: certificates, problem: problem)
        health.moreTraffic = (try? object.value("traffic_more", default: false)) ?? false
        if let text = raw["traffic"] {
            if forwardingTraffic {
                health.trafficText = AgentMessage.TrafficReport.forwardable(text)
            } else {
                health.traffic = try? AgentMessage.TrafficReport(json: text)
            }
        }
        return health
    }
}

/// Whether a data plane serves what was applied, as the first step of a pipeline that can say
/// reports it (`posternproxy.describe/1` with `{"check": true}`): one cheap question, asked every
/// few seconds so that a Caddy restarted empty is noticed and given its state again at once.
public struct DataPlaneCheck: Sendable, Equatable {
    public var running: Bool
    /// Nil when it serves what was applied.
    public var problem: String?

    public init(running: Bool, problem: String?) {
        self.running = running
        self.problem = problem
    }

    /// Nil when no step of `pipeline` describes, or the one that does fails.
    public static func probe(_ pipeline: PipelineDefinition, catalog: PluginCatalog, target: some Target) -> DataPlaneCheck? {
        guard let object = pipeline.description(input: #"{"check":true}"#, catalog: catalog, target: target),
            let running: Bool = try? object.required("running")
        else { return nil }
        let problem = (try? object.optional("problem") as String?).flatMap { $0 }.map { String($0.prefix(1000)) }
        return DataPlaneCheck(running: running, problem: problem)
    }
}

extension PipelineDefinition {
    /// What the first step that describes its target answers to `input`, asked on `target` with
    /// that step's config; nil when no step describes, or the one that does fails or answers
    /// something other than a JSON object.
    public func description(input: String, catalog: PluginCatalog, target: some Target) -> JSONObject? {
        description(input: input, catalog: catalog, target: target, keepingRaw: [])?.object
    }

    /// The first step whose plugin provides `posternproxy.describe/1`, with that plugin.
    func describingStep(in catalog: PluginCatalog) -> (step: Step, plugin: LoadedPlugin)? {
        for step in steps {
            if let plugin = catalog.plugin(id: step.plugin), plugin.describes { return (step, plugin) }
        }
        return nil
    }

    /// The same, with the members named in `keepingRaw` kept as their JSON text, not parsed.
    func description(input: String, catalog: PluginCatalog, target: some Target, keepingRaw: Set<String>) -> (
        object: JSONObject, raw: [String: [UInt8]]
    )? {
        guard let (step, plugin) = describingStep(in: catalog),
            let answer = try? plugin.describe(config: step.config, input: [UInt8](input.utf8), target: target),
            let (value, raw) = try? JSONParser.parseObject(answer, keepingRaw: keepingRaw), let object = try? JSONObject(value)
        else { return nil }
        return (object, raw)
    }
}

extension LoadedPlugin {
    /// Whether the plugin provides `posternproxy.describe/1`.
    public var describes: Bool {
        interface(PP_INTERFACE_DESCRIBE, as: pp_describe_v1.self)?.pointee.describe != nil
    }

    /// Calls the plugin's `posternproxy.describe/1` with the step's `config` and `input` (`{}`:
    /// what runs; `{"health": true}`: how it is doing) on `target` (probes and reads only) and
    /// returns what it wrote: a JSON object.
    public func describe(
        config: [UInt8], input: [UInt8] = [UInt8]("{}".utf8), target: some Target, onLog: @escaping (PluginLogRecord) -> Void = { _ in }
    ) throws(PluginCallError) -> [UInt8] {
        guard let table = interface(PP_INTERFACE_DESCRIBE, as: pp_describe_v1.self), let describe = table.pointee.describe else {
            throw PluginCallError(plugin: id, message: "does not provide \(PP_INTERFACE_DESCRIBE)")
        }
        let services = HostServices(grants: .observe, target: target, cancellation: CancellationFlag(), onLog: onLog, onProgress: { _ in })
        let result = PluginInvocation.call(describe, config: config, input: input, services: services)
        guard result.status == PP_OK else {
            throw PluginCallError(plugin: id, message: result.error.isEmpty ? "describe returned status \(result.status)" : result.error)
        }
        return result.output
    }
}
