import JSONCore

/// What the controller may ask an agent of a host's access log: a typed, read-only question
/// (no command, no path: the host's id names its log), answered by the data plane's describing
/// step (``AccessLogAnswer``).
public struct AccessLogQuery: Sendable, Equatable {
    public var hostID: Int64
    /// At most this many lines, newest first (1–1000).
    public var limit: Int
    /// A status class (`4xx`) or code (`404`).
    public var status: String?
    public var method: String?
    /// Substrings of the request's URI and of the client's address.
    public var path: String?
    public var client: String?

    public init(hostID: Int64, limit: Int = 200, status: String? = nil, method: String? = nil, path: String? = nil, client: String? = nil) {
        self.hostID = hostID
        self.limit = limit
        self.status = status
        self.method = method
        self.path = path
        self.client = client
    }

    public var json: JSON {
        var members: [(String, JSON)] = [("host_id", .int(Int(hostID))), ("limit", .int(limit))]
        for (key, value) in [("status", status), ("method", method), ("path", path), ("client", client)] {
            if let value { members.append((key, .string(value))) }
        }
        return .object(members)
    }

    init(fields: MessageFields) throws(ProtocolViolation) {
        let limit = try fields.integer("limit")
        guard (1...1000).contains(limit) else { throw ProtocolViolation("\(fields.type).limit must be 1...1000") }
        self.init(
            hostID: try fields.integer("host_id"), limit: Int(limit), status: try fields.optionalString("status", maxLength: 3),
            method: try fields.optionalString("method", maxLength: 16), path: try fields.optionalString("path", maxLength: 200),
            client: try fields.optionalString("client", maxLength: 64))
    }
}

/// An agent's answer to an ``AccessLogQuery``: the lines (objects, newest first), or why there
/// are none.
public struct AccessLogAnswer: Sendable, Equatable {
    public var requestID: Int64
    public var lines: [JSON]
    /// False when the host has no log on this server yet.
    public var found: Bool
    public var error: String?

    public init(requestID: Int64, lines: [JSON], found: Bool, error: String? = nil) {
        self.requestID = requestID
        self.lines = lines
        self.found = found
        self.error = error
    }
}
