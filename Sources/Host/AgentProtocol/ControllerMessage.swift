import JSONCore

/// What the controller sends to an agent. No message runs a command on the agent's host: the
/// agent only ever applies a desired state through its own plugin pipeline.
public enum ControllerMessage: Sendable, Equatable {
    /// The answer to hello: the connection is accepted for this server.
    case welcome(Welcome)
    /// The server's whole desired state: at connection, and whenever no patch will do.
    case desiredState(DesiredStateMessage)
    /// The server's desired state as a change from the one sent before it, to an agent that
    /// said in hello it takes patches.
    case desiredStatePatch(DesiredStatePatch)
    /// A read-only question about a host's access log; the agent answers with
    /// ``AgentMessage/accessLog(_:)`` carrying the same `requestID`.
    case accessLogRequest(requestID: Int64, query: AccessLogQuery)
    /// A catalog plugin's bytes, answering ``AgentMessage/pluginRequest(sha256:)``. `bytes` is
    /// empty with `error` set when the controller does not hold it (or will not give it).
    case plugin(PluginFile)

    public struct PluginFile: Sendable, Equatable {
        public var sha256: String
        public var bytes: [UInt8]
        /// Base64 Ed25519 signature over the bytes, when the controller keeps one for it.
        public var signature: String?
        public var error: String?

        public init(sha256: String, bytes: [UInt8], signature: String? = nil, error: String? = nil) {
            self.sha256 = sha256
            self.bytes = bytes
            self.signature = signature
            self.error = error
        }
    }

    public struct Welcome: Sendable, Equatable {
        public var serverID: Int64
        /// How often the agent sends a heartbeat.
        public var heartbeatSeconds: Int
        /// When given, readmits this agent without its token's slow check: presented (header
        /// `X-PosternProxy-Ticket`) at the next connections, until refused or replaced.
        public var ticket: String?
        /// Over how many seconds the controller's agents should spread their reconnections when
        /// it goes away (each waits a random part of it): the more agents, the longer.
        public var reconnectWindowSeconds: Int?

        public init(serverID: Int64, heartbeatSeconds: Int, ticket: String? = nil, reconnectWindowSeconds: Int? = nil) {
            self.serverID = serverID
            self.heartbeatSeconds = heartbeatSeconds
            self.ticket = ticket
            self.reconnectWindowSeconds = reconnectWindowSeconds
        }
    }

    public struct DesiredStateMessage: Sendable, Equatable {
        public var revision: Int64
        /// SHA-256 (hex) of `state`: equal hashes mean equal content, whatever the revision.
        public var hash: String
        /// The desired-state document, a JSON object (see ARCHITECTURE.md).
        public var state: [UInt8]

        public init(revision: Int64, hash: String, state: [UInt8]) {
            self.revision = revision
            self.hash = hash
            self.state = state
        }
    }
}

extension ControllerMessage {
    /// The message as one JSON text frame. The state document is spliced in as it is.
    public func encoded() -> [UInt8] {
        switch self {
        case .welcome(let welcome):
            var members: [(String, JSON)] = [
                ("type", "welcome"), ("v", .int(AgentProtocol.version)), ("server_id", .int(Int(welcome.serverID))),
                ("heartbeat_seconds", .int(welcome.heartbeatSeconds)),
            ]
            if let ticket = welcome.ticket { members.append(("ticket", .string(ticket))) }
            if let window = welcome.reconnectWindowSeconds { members.append(("reconnect_window_seconds", .int(window))) }
            return JSON.object(members).serialized()
        case .desiredState(let message):
            var data = [UInt8](
                #"{"type":"desired_state","v":\#(AgentProtocol.version),"revision":\#(message.revision),"hash":"\#(message.hash)","state":"#.utf8)
            data.append(contentsOf: message.state)
            data.append(UInt8(ascii: "}"))
            return data
        case .desiredStatePatch(let patch):
            return JSON.object([
                ("type", "desired_state_patch"), ("v", .int(AgentProtocol.version)), ("revision", .int(Int(patch.revision))),
                ("hash", .string(patch.hash)), ("base_hash", .string(patch.baseHash)), ("from", .int(patch.from)), ("to", .int(patch.to)),
                ("length", .int(patch.length)), ("text", .string(String(decoding: patch.text, as: UTF8.self))),
            ]).serialized()
        case .plugin(let file):
            var members: [(String, JSON)] = [
                ("type", "plugin"), ("v", .int(AgentProtocol.version)), ("sha256", .string(file.sha256)),
                ("bytes", .string(Base64.encode(file.bytes))),
            ]
            if let signature = file.signature { members.append(("signature", .string(signature))) }
            if let error = file.error { members.append(("error", .string(error))) }
            return JSON.object(members).serialized()
        case .accessLogRequest(let requestID, let query):
            return [UInt8](
                JSON.object([
                    ("type", "access_log_request"), ("v", .int(AgentProtocol.version)), ("request_id", .int(Int(requestID))), ("query", query.json),
                ]).serialized())
        }
    }

    public static func decode(_ data: some Collection<UInt8>) throws(ProtocolViolation) -> ControllerMessage {
        let fields = try MessageFields(data, limit: AgentProtocol.maxControllerMessageBytes, keepingRaw: ["state"])
        switch fields.type {
        case "welcome":
            let seconds = try fields.integer("heartbeat_seconds")
            guard (1...3600).contains(seconds) else { throw ProtocolViolation("welcome.heartbeat_seconds must be 1...3600") }
            let ticket = try fields.optionalString("ticket", maxLength: 128)
            guard ticket?.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) ?? true else {
                throw ProtocolViolation("welcome.ticket must be printable ASCII without spaces")
            }
            let window = try fields.optionalInteger("reconnect_window_seconds")
            guard window.map({ (0...3600).contains($0) }) ?? true else {
                throw ProtocolViolation("welcome.reconnect_window_seconds must be 0...3600")
            }
            return .welcome(
                Welcome(
                    serverID: try fields.integer("server_id"), heartbeatSeconds: Int(seconds), ticket: ticket,
                    reconnectWindowSeconds: window.map { Int($0) }))
        case "desired_state":
            guard let state = fields.raw["state"], state.first == UInt8(ascii: "{") else {
                throw ProtocolViolation("desired_state.state must be an object")
            }
            // Passed on as it came: the renderer reads it strictly.
            return .desiredState(
                DesiredStateMessage(revision: try fields.integer("revision"), hash: try fields.hexString("hash"), state: [UInt8](state)))
        case "desired_state_patch":
            let (from, to) = (try fields.integer("from"), try fields.integer("to"))
            guard from <= to else { throw ProtocolViolation("desired_state_patch.from must not be after its to") }
            let text = try fields.string("text", maxLength: AgentProtocol.maxControllerMessageBytes)
            return .desiredStatePatch(
                DesiredStatePatch(
                    revision: try fields.integer("revision"), hash: try fields.hexString("hash"), baseHash: try fields.hexString("base_hash"),
                    from: Int(from), to: Int(to), text: Array(text.utf8), length: Int(try fields.integer("length"))))
        case "plugin":
            let sha256 = try fields.string("sha256", maxLength: 64)
            guard PluginDigest.isValid(sha256) else { throw ProtocolViolation("plugin.sha256 must be 64 lower-case hex digits") }
            guard let bytes = Base64.decode(try fields.string("bytes", maxLength: AgentProtocol.maxControllerMessageBytes)) else {
                throw ProtocolViolation("plugin.bytes must be base64")
            }
            return .plugin(
                PluginFile(
                    sha256: sha256, bytes: bytes, signature: try fields.optionalString("signature", maxLength: 200),
                    error: try fields.optionalString("error", maxLength: 2000)))
        case "access_log_request":
            guard let query = try? JSONObject(JSON.object(fields.object("query"))) else {
                throw ProtocolViolation("access_log_request.query must be an object")
            }
            return .accessLogRequest(
                requestID: try fields.integer("request_id"),
                query: try AccessLogQuery(fields: MessageFields(object: query, type: "access_log_request.query")))
        default:
            throw ProtocolViolation("unknown message type \(fields.type.prefix(64))")
        }
    }
}
