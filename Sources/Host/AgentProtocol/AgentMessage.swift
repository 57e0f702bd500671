import Foundation

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

    public struct Hello: Sendable, Equatable {
        public var agentVersion: String
        /// `caddy version`'s first word, nil when Caddy cannot be asked.
        public var caddyVersion: String?
        public var caddyModules: [String]
        /// The revision and hash of the desired state the data plane runs (0 and nil: none yet).
        public var appliedRevision: Int64
        public var appliedHash: String?

        public init(agentVersion: String, caddyVersion: String?, caddyModules: [String], appliedRevision: Int64, appliedHash: String?) {
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
        /// Per resource, keyed `<type>_<id>` (as the plugins report them).
        public var resources: [String: ResourceResult]

        public init(revision: Int64, hash: String, succeeded: Bool, message: String?, resources: [String: ResourceResult]) {
            self.revision = revision
            self.hash = hash
            self.succeeded = succeeded
            self.message = message
            self.resources = resources
        }
    }

    public struct ResourceResult: Sendable, Equatable {
        /// `applied` or `failed`.
        public var status: String
        public var message: String?

        public init(status: String, message: String?) {
            self.status = status
            self.message = message
        }
    }

    public struct StatusReport: Sendable, Equatable {
        public var caddyRunning: Bool
        public var upstreams: [UpstreamHealth]

        public init(caddyRunning: Bool, upstreams: [UpstreamHealth]) {
            self.caddyRunning = caddyRunning
            self.upstreams = upstreams
        }
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
    public func encoded() -> Data {
        var object: [String: Any] = ["v": AgentProtocol.version]
        switch self {
        case .hello(let hello):
            object["type"] = "hello"
            object["agent_version"] = hello.agentVersion
            object["caddy_version"] = hello.caddyVersion ?? NSNull()
            object["caddy_modules"] = hello.caddyModules
            object["applied_revision"] = hello.appliedRevision
            object["applied_hash"] = hello.appliedHash ?? NSNull()
        case .heartbeat(let revision):
            object["type"] = "heartbeat"
            object["applied_revision"] = revision
        case .applyResult(let result):
            object["type"] = "apply_result"
            object["revision"] = result.revision
            object["hash"] = result.hash
            object["succeeded"] = result.succeeded
            object["message"] = result.message ?? NSNull()
            object["resources"] = result.resources.mapValues { ["status": $0.status, "message": $0.message ?? NSNull()] as [String: Any] }
        case .status(let report):
            object["type"] = "status"
            object["caddy_running"] = report.caddyRunning
            object["upstreams"] = report.upstreams.map { ["address": $0.address, "requests": $0.requests, "fails": $0.fails] as [String: Any] }
        }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes])) ?? Data()
    }

    /// Reads one message from an agent; anything malformed, unknown or too large is a violation.
    public static func decode(_ data: some Collection<UInt8>) throws(ProtocolViolation) -> AgentMessage {
        let fields = try MessageFields(data, limit: AgentProtocol.maxAgentMessageBytes)
        switch fields.type {
        case "hello":
            return .hello(Hello(agentVersion: try fields.string("agent_version", maxLength: 64),
                                caddyVersion: try fields.optionalString("caddy_version", maxLength: 64),
                                caddyModules: try fields.strings("caddy_modules"),
                                appliedRevision: try fields.integer("applied_revision"),
                                appliedHash: try fields.optionalString("applied_hash", maxLength: 128)))
        case "heartbeat":
            return .heartbeat(appliedRevision: try fields.integer("applied_revision"))
        case "apply_result":
            var resources: [String: ResourceResult] = [:]
            for (key, value) in try fields.dictionary("resources") {
                guard key.utf8.count <= 64, let entry = value as? [String: Any], let status = entry["status"] as? String, ["applied", "failed"].contains(status) else {
                    throw ProtocolViolation("apply_result.resources.\(key.prefix(64)) must be {\"status\": \"applied\"|\"failed\", \"message\"}")
                }
                let message = entry["message"] as? String
                resources[key] = ResourceResult(status: status, message: message.map { String($0.prefix(4096)) })
            }
            return .applyResult(ApplyResult(revision: try fields.integer("revision"), hash: try fields.string("hash", maxLength: 128),
                                            succeeded: try fields.bool("succeeded"), message: try fields.optionalString("message", maxLength: 65536),
                                            resources: resources))
        case "status":
            guard let list = fields.object["upstreams"] as? [[String: Any]], list.count <= 10_000 else {
                throw ProtocolViolation("status.upstreams must be a list of objects")
            }
            let upstreams = try list.map { entry throws(ProtocolViolation) -> UpstreamHealth in
                let upstream = MessageFields(object: entry, type: "status.upstreams")
                return UpstreamHealth(address: try upstream.string("address", maxLength: 300), requests: try upstream.integer("requests"),
                                      fails: try upstream.integer("fails"))
            }
            return .status(StatusReport(caddyRunning: try fields.bool("caddy_running"), upstreams: upstreams))
        default:
            throw ProtocolViolation("unknown message type \(fields.type.prefix(64))")
        }
    }
}
