import Glibc

/// Files and folders on the machine the process runs on, through the C library: whole-file
/// reads, atomic replacement, folders, listings and links. Paths are used as given (no `~`, no
/// resolution of `..`); every failure names the path and the system's reason.
public enum LocalFiles {
    /// The whole file; nil when nothing is at `path`.
    public static func read(_ path: String) throws(LocalFileError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw LocalFileError("cannot read", path)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw LocalFileError("cannot read", path) }
        guard info.st_mode & S_IFMT != S_IFDIR else { throw LocalFileError("cannot read", path, reason: "it is a folder") }
        // Read straight into the array, sized for the file as it was (plus one byte, to see its
        // end); one that grew meanwhile goes on in chunks.
        var failed = false
        var bytes = [UInt8](unsafeUninitializedCapacity: max(0, Int(info.st_size)) + 1) { buffer, initialized in
            while initialized < buffer.count {
                let count = Glibc.read(fd, buffer.baseAddress! + initialized, buffer.count - initialized)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 {
                    failed = count < 0
                    return
                }
                initialized += count
            }
        }
        if failed { throw LocalFileError("cannot read", path) }
        guard bytes.count > Int(info.st_size) else { return bytes }
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw LocalFileError("cannot read", path)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<count])
        }
    }

    /// The file as UTF-8 text (ill-formed sequences replaced); nil when nothing is at `path`.
    public static func readText(_ path: String) throws(LocalFileError) -> String? {
        try read(path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Replaces the file at `path` with `contents` and permission bits `mode`, atomically: a
    /// temporary file beside it is written, synced and renamed over it, so a reader sees the old
    /// file or the new one, never a part. The folder must exist.
    public static func replace(_ path: String, with contents: some Collection<UInt8>, mode: UInt32) throws(LocalFileError) {
        let temporary = "\(Path.folder(of: path))/.\(Path.name(of: path)).posternproxy-\(randomSuffix())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(mode & 0o7777))
        guard fd >= 0 else { throw LocalFileError("cannot write", path) }
        let written = writeAll(fd, contents)
        let synced = written && fchmod(fd, mode_t(mode & 0o7777)) == 0 && fsync(fd) == 0
        let reason = errno
        close(fd)
        guard synced, rename(temporary, path) == 0 else {
            let error = LocalFileError("cannot write", path, code: synced ? errno : reason)
            unlink(temporary)
            throw error
        }
    }

    /// Creates the folder and any missing folders above it; the ones created get `mode`. An
    /// existing folder is left as it is.
    public static func createFolder(_ path: String, mode: UInt32 = 0o755) throws(LocalFileError) {
        if isFolder(path) { return }
        let parent = Path.folder(of: path)
        if parent != path, parent != ".", parent != "/" { try createFolder(parent, mode: mode) }
        guard mkdir(path, mode_t(mode & 0o7777)) == 0 || (errno == EEXIST && isFolder(path)) else {
            throw LocalFileError("cannot create the folder", path)
        }
        // mkdir's mode passes through the umask; the folder gets exactly `mode`.
        _ = chmod(path, mode_t(mode & 0o7777))
    }

    /// The names in a folder (without `.` and `..`), in no particular order.
    public static func names(in folder: String) throws(LocalFileError) -> [String] {
        guard let stream = opendir(folder) else { throw LocalFileError("cannot list", folder) }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes a file (or an empty folder); false when nothing was there.
    @discardableResult
    public static func remove(_ path: String) throws(LocalFileError) -> Bool {
        if unlink(path) == 0 { return true }
        if errno == ENOENT { return false }
        if errno == EISDIR, rmdir(path) == 0 { return true }
        throw LocalFileError("cannot remove", path)
    }

    /// Whether something (a file, a folder, a link's target) is at `path`.
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// Whether `path` is a folder (following links).
    public static func isFolder(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    /// Whether `path` is a file this process may execute.
    public static func isExecutable(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG && access(path, X_OK) == 0
    }

    /// What the symbolic link at `path` points to; nil when it is not a link.
    public static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Writes all of `bytes` to `fd`, retrying interrupted and short writes.
    static func writeAll(_ fd: Int32, _ bytes: some Collection<UInt8>) -> Bool {
        let done = bytes.withContiguousStorageIfAvailable { buffer in writeAll(fd, UnsafeRawBufferPointer(buffer)) }
        return done ?? Array(bytes).withUnsafeBytes { writeAll(fd, $0) }
    }

    private static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < buffer.count {
            let count = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if count < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += count
        }
        return true
    }

    /// 16 random hexadecimal digits, for a temporary name no other writer picks.
    private static func randomSuffix() -> String {
        let value = UInt64.random(in: 0...UInt64.max)
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// A file operation that failed: what was tried, on which path, and the system's reason.
public struct LocalFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var reason: String

    init(_ operation: String, _ path: String, reason: String? = nil, code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.reason = reason ?? String(cString: strerror(code))
    }

    public var description: String { "\(operation) \(path): \(reason)" }
}
