/// A target that cancels its run right after the first effect it performs (a file written or
/// removed, a command run, an owner set): how a step is tested for a cancellation that arrives
/// mid-apply, when it has changed something and not yet everything.
struct CancelAfterFirstEffect: Target {
    let base: any Target
    let cancellation: CancellationFlag

    var name: String { base.name }

    func run(
        _ command: TargetCommand, onLine: @escaping @Sendable (OutputLine) -> Void, isCancelled: @escaping @Sendable () -> Bool
    ) throws(TargetError) -> CommandResult {
        defer { cancellation.cancel() }
        return try base.run(command, onLine: onLine, isCancelled: isCancelled)
    }

    func readFile(_ path: String) throws(TargetError) -> [UInt8]? { try base.readFile(path) }

    func writeFile(_ path: String, contents: [UInt8], mode: UInt32) throws(TargetError) {
        defer { cancellation.cancel() }
        try base.writeFile(path, contents: contents, mode: mode)
    }

    func removeFile(_ path: String) throws(TargetError) -> Bool {
        defer { cancellation.cancel() }
        return try base.removeFile(path)
    }

    func http(_ request: HTTPRequest) throws(TargetError) -> HTTPResponse { try base.http(request) }

    func http(_ request: HTTPRequest, onBody: (ArraySlice<UInt8>) throws(TargetError) -> Void) throws(TargetError) -> Int {
        try base.http(request, onBody: onBody)
    }

    func begin(_ request: HTTPRequest) throws(TargetError) -> any BegunHTTPRequest { try base.begin(request) }

    func ownership(of path: String) throws(TargetError) -> FileOwnership? { try base.ownership(of: path) }

    func follow(_ path: String, upTo limit: Int, take: ([UInt8]) -> Bool) throws(TargetError) -> Bool? {
        try base.follow(path, upTo: limit, take: take)
    }

    func fileState(_ path: String, comparedWith contents: [UInt8]) throws(TargetError) -> FileState? {
        try base.fileState(path, comparedWith: contents)
    }

    func setOwnership(_ ownership: FileOwnership, of path: String) throws(TargetError) {
        defer { cancellation.cancel() }
        try base.setOwnership(ownership, of: path)
    }
}
