import Glibc

/// The machine the host runs on. Files are resolved under `root` (`/` in production; a sandbox
/// folder in tests, so a pipeline can run for real without touching the machine's own `/etc`).
public struct LocalTarget: Target {
    /// Prefix for every file path.
    public var root: String
    /// Search path for commands.
    public var searchPath: [String]

    public init(
        root: String = "/",
        searchPath: [String] =
            (ProcessEnvironment.value("PATH")
            ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
            .split(separator: ":").map(String.init)
    ) {
        self.root = root
        self.searchPath = searchPath
    }

    public var name: String { root == "/" ? "local" : "local:\(root)" }

    public func run(
        _ command: TargetCommand, onLine: @escaping @Sendable (OutputLine) -> Void,
        isCancelled: @escaping @Sendable () -> Bool
    ) throws(TargetError) -> CommandResult {
        guard let program = command.argv.first, !program.isEmpty else { throw .invalid("empty argv") }
        guard !command.argv.contains(where: { $0.utf8.contains(0) }) else {
            throw .invalid("an argument contains a NUL byte")
        }
        guard let executable = resolve(program) else {
            let message = "\(program): command not found"
            onLine(OutputLine(stream: .standardError, text: message))
            return CommandResult(exitStatus: 127, standardOutput: [], standardError: [UInt8](message.utf8), truncated: false)
        }
        return try LocalProcess(executable: executable, command: command, onLine: onLine).run(isCancelled: isCancelled)
    }

    public func readFile(_ path: String) throws(TargetError) -> [UInt8]? {
        let full = try hostPath(path)
        do {
            return try LocalFiles.read(full)
        } catch {
            throw .failed("cannot read \(path): \(error.reason)")
        }
    }

    /// Through ``FollowedFiles``, one position per path under ``root`` for the whole process.
    public func follow(_ path: String, upTo limit: Int, take: ([UInt8]) -> Bool) throws(TargetError) -> Bool? {
        try FollowedFiles.shared.follow(try hostPath(path), upTo: limit, take: take)
    }

    public func ownership(of path: String) throws(TargetError) -> FileOwnership? {
        var info = stat()
        guard lstat(try hostPath(path), &info) == 0 else {
            if errno == ENOENT { return nil }
            throw .failed("cannot read the owner of \(path): \(String(cString: strerror(errno)))")
        }
        return FileOwnership(mode: UInt32(info.st_mode & 0o7777), user: info.st_uid, group: info.st_gid)
    }

    /// Read and compared here, under ``root`` (where commands would not look).
    public func fileState(_ path: String, comparedWith contents: [UInt8]) throws(TargetError) -> FileState? {
        guard let current = try readFile(path), let ownership = try ownership(of: path) else { return nil }
        return FileState(sameContents: current == contents, mode: ownership.mode)
    }

    public func setOwnership(_ ownership: FileOwnership, of path: String) throws(TargetError) {
        let full = try hostPath(path)
        guard lchown(full, ownership.user, ownership.group) == 0, chmod(full, mode_t(ownership.mode & 0o7777)) == 0 else {
            throw .failed("cannot set the owner of \(path): \(String(cString: strerror(errno)))")
        }
    }

    public func writeFile(_ path: String, contents: [UInt8], mode: UInt32) throws(TargetError) {
        let full = try hostPath(path)
        let folder = Path.folder(of: full)
        do {
            try LocalFiles.createFolder(folder)
        } catch {
            throw .failed("cannot create \(folder): \(error.reason)")
        }
        do {
            try LocalFiles.replace(full, with: contents, mode: mode)
        } catch {
            throw .failed("cannot write \(path): \(error.reason)")
        }
    }

    public func removeFile(_ path: String) throws(TargetError) -> Bool {
        let full = try hostPath(path)
        if unlink(full) == 0 { return true }
        if errno == ENOENT { return false }
        throw .failed("cannot remove \(path): \(String(cString: strerror(errno)))")
    }

    public func http(_ request: HTTPRequest) throws(TargetError) -> HTTPResponse {
        try UnixSocketHTTPClient.send(request, socketPath: try hostPath(request.socketPath))
    }

    public func http(_ request: HTTPRequest, onBody: (ArraySlice<UInt8>) throws(TargetError) -> Void) throws(TargetError) -> Int {
        try UnixSocketHTTPClient.stream(request, socketPath: try hostPath(request.socketPath), onBody: onBody)
    }

    public func begin(_ request: HTTPRequest) throws(TargetError) -> any BegunHTTPRequest {
        try UnixSocketHTTPClient.begin(request, socketPath: try hostPath(request.socketPath))
    }

    /// `path` on the target, mapped under `root`.
    private func hostPath(_ path: String) throws(TargetError) -> String {
        let valid = try TargetPath.validate(path)
        return root == "/" ? valid : (root.hasSuffix("/") ? String(root.dropLast()) : root) + valid
    }

    private func resolve(_ program: String) -> String? {
        if program.contains("/") { return program }
        return searchPath.lazy.map { "\($0)/\(program)" }.first(where: LocalFiles.isExecutable)
    }
}
