import JSONCore

/// What an agent sends to the controller.
public enum AgentMessage: Sendable, Equatable {
    /// First message of every connection: who the agent is and what it runs.
    case hello(Hello)
    /// Every few seconds; a server whose heartbeats stop is Offline.
    case heartbeat(appliedRevision: Int64)
    /// The outcome of applying one desired state.
    case applyResult(ApplyResult)
    /// What the data plane reports about itself (Caddy up, upstream health).
    case status(StatusReport)
    /// The answer to an access-log request.
    case accessLog(AccessLogAnswer)
    /// Asks for the bytes of a catalog plugin its desired state's pipeline names (by SHA-256);
    /// the controller answers with ``ControllerMessage/plugin(_:)``.
    case pluginRequest(sha256: String)
    /// Asks for the whole desired state: the patch to `revision` did not apply here (the agent
    /// does not run its base, or the result was not the state it named).
    case stateRequest(revision: Int64)

    public struct Hello: Sendable, Equatable {
        public var agentVersion: String
        /// `caddy version`'s first word, nil when Caddy cannot be asked.
        public var caddyVersion: String?
        public var caddyModules: [String]
        /// The revision and hash of the desired state the data plane runs (0 and nil: none yet).
        public var appliedRevision: Int64
        public var appliedHash: String?
        /// Whether it takes ``ControllerMessage/desiredStatePatch(_:)``; agents from before
        /// patches leave it out (false), and are sent whole states only.
        public var takesPatches: Bool

        public init(
            agentVersion: String, caddyVersion: String?, caddyModules: [String], appliedRevision: Int64, appliedHash: String?,
            takesPatches: Bool = false
        ) {
            self.takesPatches = takesPatches
            self.agentVersion = agentVersion
            self.caddyVersion = caddyVersion
            self.caddyModules = caddyModules
            self.appliedRevision = appliedRevision
            self.appliedHash = appliedHash
        }
    }

    public struct ApplyResult: Sendable, Equatable {
        public var revision: Int64
        public var hash: String
        /// False when the server could not apply at all (`message` says why).
        public var succeeded: Bool
        public var message: String?
        /// Per resource, keyed `<type>_<id>` (as the plugins report them); a resource of the
        /// applied state that is missing here applied without a message.
        public var resources: [String: ResourceOutcome]
        /// How each step of the apply pipeline ended, one line each (`com.example.motd: applied 1
        /// change(s)`); empty when the pipeline did not run.
        public var steps: [String]

        public init(
            revision: Int64, hash: String, succeeded: Bool, message: String?, resources: [String: ResourceOutcome], steps: [String] = []
        ) {
            self.steps = steps
            self.revision = revision
            self.hash = hash
            self.succeeded = succeeded
            self.message = message
            self.resources = resources
        }
    }

    public struct StatusReport: Sendable, Equatable {
        public var caddyRunning: Bool
        public var upstreams: [UpstreamHealth]
        /// How the automatic certificates are doing; nil when the data plane does not say
        /// (no certificate log, or an agent from before it was reported).
        public var certificates: [CertificateState]?
        /// What is wrong with what the data plane serves (Caddy restarted empty and is being
        /// given its state again, or does not answer); nil when nothing is.
        public var problem: String?
        /// What each host served since the previous report; nil when the data plane does not
        /// count traffic (or an agent from before it was reported). Read from a message, it is
        /// always this; an agent sends ``trafficText`` instead.
        public var traffic: TrafficReport?
        /// The traffic as its data plane's step wrote it (``TrafficReport/forwardable(_:)``),
        /// sent as it is in place of ``traffic``: an agent forwards a report of 10,000 hosts
        /// without decoding it; the controller reads it into ``traffic`` like any other.
        public var trafficText: [UInt8]?

        public init(
            caddyRunning: Bool, upstreams: [UpstreamHealth], certificates: [CertificateState]? = nil, problem: String? = nil,
            traffic: TrafficReport? = nil, trafficText: [UInt8]? = nil
        ) {
            self.caddyRunning = caddyRunning
            self.upstreams = upstreams
            self.certificates = certificates
            self.problem = problem
            self.traffic = traffic
            self.trafficText = trafficText
        }
    }

    /// Where Caddy stands with one domain name's automatic certificate: the last attempt it
    /// logged.
    public struct CertificateState: Sendable, Equatable {
        public enum State: String, Sendable {
            /// An attempt is under way.
            case obtaining
            case issued
            /// The last attempt failed (`message` has the CA's error); Caddy tries again later.
            case failed
        }

        public var domain: String
        public var state: State
        public var message: String?
        /// When Caddy logged it, in seconds since 1970.
        public var at: Int64

        public init(domain: String, state: State, message: String?, at: Int64) {
            self.domain = domain
            self.state = state
            self.message = message
            self.at = at
        }

        /// At most this many are reported at once.
        public static let maximumCount = 1000
    }

    /// One upstream as Caddy's `/reverse_proxy/upstreams` reports it.
    public struct UpstreamHealth: Sendable, Equatable {
        public var address: String
        public var requests: Int64
        public var fails: Int64

        public init(address: String, requests: Int64, fails: Int64) {
            self.address = address
            self.requests = requests
            self.fails = fails
        }
    }
}

extension AgentMessage {
    /// The message as one JSON text frame.
    public func encoded() -> [UInt8] {
        func optional(_ text: String?) -> JSON { text.map(JSON.string) ?? .null }
        var members: [(String, JSON)]
        /// Members written as JSON text already (a status report's traffic: 10,000 hosts are
        /// written straight from their counters, not through a tree of 200,000 values).
        var raw: [(String, [UInt8])] = []
        switch self {
        case .hello(let hello):
            members = [
                ("type", "hello"), ("agent_version", .string(hello.agentVersion)), ("caddy_version", optional(hello.caddyVersion)),
                ("caddy_modules", .strings(hello.caddyModules)), ("applied_revision", .int(Int(hello.appliedRevision))),
                ("applied_hash", optional(hello.appliedHash)),
            ]
            if hello.takesPatches { members.append(("takes_patches", true)) }
        case .heartbeat(let revision):
            members = [("type", "heartbeat"), ("applied_revision", .int(Int(revision)))]
        case .applyResult(let result):
            let resources = result.resources.sorted { $0.key < $1.key }.map { key, entry -> (String, JSON) in
                (key, ["status": .string(entry.status.rawValue), "message": optional(entry.message)])
            }
            members = [
                ("type", "apply_result"), ("revision", .int(Int(result.revision))), ("hash", .string(result.hash)),
                ("succeeded", .bool(result.succeeded)), ("message", optional(result.message)), ("resources", .object(resources)),
            ]
            if !result.steps.isEmpty { members.append(("steps", .strings(result.steps))) }
        case .status(let report):
            let upstreams = report.upstreams.map { upstream -> JSON in
                ["address": .string(upstream.address), "requests": .int(Int(upstream.requests)), "fails": .int(Int(upstream.fails))]
            }
            members = [("type", "status"), ("caddy_running", .bool(report.caddyRunning)), ("upstreams", .array(upstreams))]
            if let certificates = report.certificates {
                members.append(("certificates", .array(certificates.map(\.json))))
            }
            if let problem = report.problem { members.append(("problem", .string(problem))) }
            if let text = report.trafficText ?? report.traffic?.jsonText { raw = [("traffic", text)] }
        case .pluginRequest(let sha256):
            members = [("type", "plugin_request"), ("sha256", .string(sha256))]
        case .stateRequest(let revision):
            members = [("type", "state_request"), ("revision", .int(Int(revision)))]
        case .accessLog(let answer):
            members = [
                ("type", "access_log"), ("request_id", .int(Int(answer.requestID))), ("lines", .array(answer.lines)), ("found", .bool(answer.found)),
                ("error", optional(answer.error)),
            ]
        }
        return [UInt8](JSON.serializedObject([("v", .int(AgentProtocol.version))] + members, raw: raw))
    }

    /// Reads one message from an agent; anything malformed, unknown or too large is a violation.
    public static func decode(_ data: some Collection<UInt8>) throws(ProtocolViolation) -> AgentMessage {
        // A status report's traffic is read by its own scanner, not as a JSON tree.
        let fields = try MessageFields(data, limit: AgentProtocol.maxAgentMessageBytes, keepingRaw: ["traffic"])
        switch fields.type {
        case "hello":
            return .hello(
                Hello(
                    agentVersion: try fields.string("agent_version", maxLength: 64),
                    caddyVersion: try fields.optionalString("caddy_version", maxLength: 64),
                    caddyModules: try fields.strings("caddy_modules"),
                    appliedRevision: try fields.integer("applied_revision"),
                    appliedHash: try fields.optionalString("applied_hash", maxLength: 128),
                    takesPatches: try fields.optionalBool("takes_patches", absent: false)))
        case "heartbeat":
            return .heartbeat(appliedRevision: try fields.integer("applied_revision"))
        case "apply_result":
            var resources: [String: ResourceOutcome] = [:]
            for (key, value) in try fields.object("resources") {
                guard key.utf8.count <= 64, let entry = try? JSONObject(value), let text = try? entry.required("status") as String,
                    let status = ResourceOutcome.Status(rawValue: text)
                else {
                    throw ProtocolViolation("apply_result.resources.\(key.prefix(64)) must be {\"status\": \"applied\"|\"failed\", \"message\"}")
                }
                let message = try? entry.optional("message") as String?
                resources[key] = ResourceOutcome(status: status, message: message.map { String($0.prefix(4096)) })
            }
            return .applyResult(
                ApplyResult(
                    revision: try fields.integer("revision"), hash: try fields.string("hash", maxLength: 128),
                    succeeded: try fields.bool("succeeded"), message: try fields.optionalString("message", maxLength: 65536),
                    resources: resources, steps: try fields.optionalStrings("steps", maxCount: 64, maxLength: 2000)))
        case "status":
            let list = try fields.list("upstreams")
            guard list.count <= 10_000 else { throw ProtocolViolation("status.upstreams must be a list of at most 10000 objects") }
            let upstreams = try list.map { entry throws(ProtocolViolation) -> UpstreamHealth in
                guard let object = try? JSONObject(entry) else { throw ProtocolViolation("status.upstreams must be a list of objects") }
                let upstream = MessageFields(object: object, type: "status.upstreams")
                return UpstreamHealth(
                    address: try upstream.string("address", maxLength: 300), requests: try upstream.integer("requests"),
                    fails: try upstream.integer("fails"))
            }
            let certificates = try fields.optionalList("certificates").map { list throws(ProtocolViolation) in
                guard list.count <= CertificateState.maximumCount else {
                    throw ProtocolViolation("status.certificates must be a list of at most \(CertificateState.maximumCount) objects")
                }
                return try list.map { entry throws(ProtocolViolation) in try CertificateState(entry) }
            }
            return .status(
                StatusReport(
                    caddyRunning: try fields.bool("caddy_running"), upstreams: upstreams, certificates: certificates,
                    problem: try fields.optionalString("problem", maxLength: 1000),
                    traffic: try fields.raw["traffic"].map { text throws(ProtocolViolation) in try TrafficReport(json: text) }))
        case "plugin_request":
            let sha256 = try fields.string("sha256", maxLength: 64)
            guard PluginDigest.isValid(sha256) else { throw ProtocolViolation("plugin_request.sha256 must be 64 lower-case hex digits") }
            return .pluginRequest(sha256: sha256)
        case "state_request":
            return .stateRequest(revision: try fields.integer("revision"))
        case "access_log":
            let lines = try fields.list("lines")
            guard lines.count <= 1000, lines.allSatisfy({ if case .object = $0 { true } else { false } }) else {
                throw ProtocolViolation("access_log.lines must be a list of at most 1000 objects")
            }
            return .accessLog(
                AccessLogAnswer(
                    requestID: try fields.integer("request_id"), lines: lines, found: try fields.bool("found"),
                    error: try fields.optionalString("error", maxLength: 2000)))
        default:
            throw ProtocolViolation("unknown message type \(fields.type.prefix(64))")
        }
    }
}

extension AgentMessage.CertificateState {
    var json: JSON {
        .object([
            ("domain", .string(domain)), ("state", .string(state.rawValue)), ("message", message.map(JSON.string) ?? .null),
            ("at", .int(Int(at))),
        ])
    }

    /// One member of a status report's `certificates`.
    init(_ entry: JSON) throws(ProtocolViolation) {
        guard let object = try? JSONObject(entry) else { throw ProtocolViolation("status.certificates must be a list of objects") }
        let fields = MessageFields(object: object, type: "status.certificates")
        let text = try fields.string("state", maxLength: 16)
        guard let state = State(rawValue: text) else {
            throw ProtocolViolation("status.certificates.state must be \"obtaining\", \"issued\" or \"failed\"")
        }
        self.init(
            domain: try fields.string("domain", maxLength: 253), state: state, message: try fields.optionalString("message", maxLength: 1000),
            at: try fields.integer("at"))
    }
}
