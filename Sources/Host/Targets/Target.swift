import Glibc

/// A machine that pipeline steps act on: the local host, or a remote one reached by a transport
/// plugin. Steps never see a target directly; they use the host services of the ABI, which
/// forward here after checking what the current phase grants.
public protocol Target: Sendable {
    /// For logs and errors: `local`, `ssh://admin@10.0.0.2:22`.
    var name: String { get }

    /// Runs an argument vector (never a shell string) and waits for it. Each line of output is
    /// passed to `onLine` as it arrives; `isCancelled` is polled while the command runs.
    func run(
        _ command: TargetCommand, onLine: @escaping @Sendable (OutputLine) -> Void,
        isCancelled: @escaping @Sendable () -> Bool
    ) throws(TargetError) -> CommandResult

    /// The whole file, or nil when it does not exist.
    func readFile(_ path: String) throws(TargetError) -> [UInt8]?

    /// Replaces the file atomically with `contents` and permission bits `mode`.
    func writeFile(_ path: String, contents: [UInt8], mode: UInt32) throws(TargetError)

    /// Removes the file; false when it did not exist.
    func removeFile(_ path: String) throws(TargetError) -> Bool

    /// Sends an HTTP request to a service listening on a unix socket of the target.
    func http(_ request: HTTPRequest) throws(TargetError) -> HTTPResponse

    /// Sends an HTTP request and hands the response body to `onBody` piece by piece as it
    /// arrives, so a large body (Caddy's metrics) is never held whole. Returns the status code.
    func http(_ request: HTTPRequest, onBody: (ArraySlice<UInt8>) throws(TargetError) -> Void) throws(TargetError) -> Int

    /// Sends an HTTP request to a service on a unix socket of the target and returns without
    /// waiting for the answer, which the returned request reads later.
    func begin(_ request: HTTPRequest) throws(TargetError) -> any BegunHTTPRequest

    /// A file's permission bits and owner, or nil when it does not exist.
    func ownership(of path: String) throws(TargetError) -> FileOwnership?

    /// Follows a file as `tail -F` does: hands `take` what was written to it since the previous
    /// call for `path` in this process, at most `limit` bytes, and moves past them when `take`
    /// returns true (refused, they come again). The first call starts at the file's end; a
    /// rolled or replaced file is read to its end before the new one. Returns nil while the path
    /// names no file, else what `take` returned (true when there was nothing new).
    func follow(_ path: String, upTo limit: Int, take: ([UInt8]) -> Bool) throws(TargetError) -> Bool?

    /// Gives a file these permission bits and this owner.
    func setOwnership(_ ownership: FileOwnership, of path: String) throws(TargetError)

    /// Whether the file holds exactly `contents`, and its permission bits; nil when it does not
    /// exist. What a profile's file action asks before it writes.
    func fileState(_ path: String, comparedWith contents: [UInt8]) throws(TargetError) -> FileState?
}

/// An HTTP request sent whose answer is still to be read (``Target/begin(_:)``); letting it go
/// without reading closes it.
public protocol BegunHTTPRequest: AnyObject {
    /// Reads the answer, handing its body to `onBody` piece by piece as it arrives. Returns the
    /// status code. An answer is read once.
    func answer(onBody: (ArraySlice<UInt8>) throws(TargetError) -> Void) throws(TargetError) -> Int
}

/// A file compared with what it should hold.
public struct FileState: Sendable, Equatable {
    public var sameContents: Bool
    public var mode: UInt32
}

/// A file's permission bits, user and group, as numbers.
public struct FileOwnership: Sendable, Equatable {
    public var mode: UInt32
    public var user: UInt32
    public var group: UInt32

    public init(mode: UInt32, user: UInt32, group: UInt32) {
        self.mode = mode
        self.user = user
        self.group = group
    }
}

extension Target {
    /// The whole response at once, for targets that cannot stream.
    public func http(_ request: HTTPRequest, onBody: (ArraySlice<UInt8>) throws(TargetError) -> Void) throws(TargetError) -> Int {
        let response = try http(request)
        try onBody(Array(response.body)[...])
        return response.status
    }

    /// Only for targets that can hold a file open between calls.
    public func follow(_ path: String, upTo limit: Int, take: ([UInt8]) -> Bool) throws(TargetError) -> Bool? {
        throw .invalid("\(name) cannot follow a file")
    }

    /// Not for targets that answer HTTP only whole.
    public func begin(_ request: HTTPRequest) throws(TargetError) -> any BegunHTTPRequest {
        throw .invalid("\(name) cannot begin an HTTP request to answer later")
    }

    /// Through commands (GNU `stat`), for targets reached by a transport.
    public func ownership(of path: String) throws(TargetError) -> FileOwnership? {
        let result = try run(
            TargetCommand(argv: ["stat", "-c", "%a %u %g", "--", path], timeout: .seconds(60)), onLine: { _ in }, isCancelled: { false })
        guard result.exitStatus == 0 else { return nil }
        let parts = String(decoding: result.standardOutput, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard parts.count == 3, let mode = UInt32(parts[0], radix: 8), let user = UInt32(parts[1]), let group = UInt32(parts[2]) else {
            throw .failed("cannot read the owner of \(path)")
        }
        return FileOwnership(mode: mode, user: user, group: group)
    }

    /// Through `chown` then `chmod` (in that order: chown clears set-id bits).
    public func setOwnership(_ ownership: FileOwnership, of path: String) throws(TargetError) {
        for argv in [
            ["chown", "\(ownership.user):\(ownership.group)", "--", path], ["chmod", String(ownership.mode & 0o7777, radix: 8), "--", path],
        ] {
            let result = try run(TargetCommand(argv: argv, timeout: .seconds(60)), onLine: { _ in }, isCancelled: { false })
            guard result.exitStatus == 0 else {
                throw .failed("`\(argv.joined(separator: " "))` failed: \(String(decoding: result.standardError, as: UTF8.self))")
            }
        }
    }
}

/// A command for ``Target/run(_:onLine:isCancelled:)``.
public struct TargetCommand: Sendable {
    /// Program and arguments; `argv[0]` is looked up on the target's PATH unless it has a `/`.
    public var argv: [String]
    public var standardInput: [UInt8]
    /// The command is killed after this long.
    public var timeout: Duration
    /// Bytes kept per output stream; the rest is dropped and ``CommandResult/truncated`` set.
    public var outputLimit: Int

    public init(
        argv: [String], standardInput: [UInt8] = [], timeout: Duration = .seconds(600),
        outputLimit: Int = 16 << 20
    ) {
        self.argv = argv
        self.standardInput = standardInput
        self.timeout = timeout
        self.outputLimit = outputLimit
    }
}

/// One line a running command printed.
public struct OutputLine: Sendable, Equatable {
    public enum Stream: Sendable { case standardOutput, standardError }
    public var stream: Stream
    public var text: String
}

/// How a command ended and what it printed.
public struct CommandResult: Sendable {
    /// The exit code, or 128 + signal number when a signal ended it.
    public var exitStatus: Int32
    public var standardOutput: [UInt8]
    public var standardError: [UInt8]
    /// Output beyond ``TargetCommand/outputLimit`` was dropped.
    public var truncated: Bool
}

/// Why a target could not do what it was asked.
public enum TargetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request itself is wrong (relative path, `..`, empty argv).
    case invalid(String)
    /// The target could not do it (I/O error, could not start the program).
    case failed(String)
    case timedOut(String)
    case cancelled

    public var description: String {
        switch self {
        case .invalid(let m): "invalid request: \(m)"
        case .failed(let m): m
        case .timedOut(let m): "timed out: \(m)"
        case .cancelled: "cancelled"
        }
    }
}
