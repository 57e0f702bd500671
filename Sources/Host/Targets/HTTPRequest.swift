import Glibc

/// An HTTP/1.1 request to a service on a unix socket of a target (Caddy's admin API).
public struct HTTPRequest: Sendable {
    public var socketPath: String
    public var method: String
    /// The request target, `/load`.
    public var path: String
    public var contentType: String?
    public var body: [UInt8]
    public var timeout: Duration
    /// Response bodies larger than this are refused.
    public var responseLimit: Int

    public init(
        socketPath: String, method: String, path: String, contentType: String? = nil, body: [UInt8] = [],
        timeout: Duration = .seconds(60), responseLimit: Int = 64 << 20
    ) {
        self.socketPath = socketPath
        self.method = method
        self.path = path
        self.contentType = contentType
        self.body = body
        self.timeout = timeout
        self.responseLimit = responseLimit
    }

    /// True for methods that only observe.
    public var isObserving: Bool { method == "GET" || method == "HEAD" }
}

/// The answer to an ``HTTPRequest``.
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var body: [UInt8]
}
