import Glibc
import Synchronization

/// Files followed as they grow, the way `tail -F` follows a log (``Target/follow(_:upTo:take:)``
/// on the local machine): for each path, the file read so far, held open between reads, and how
/// far it was read. One position per path for the whole process.
///
/// - A path seen for the first time starts at its file's end: what was written before this
///   process began following is never handed out. A path that names no file yet is read from
///   the start of the file it names once it does.
/// - When the path names another file (a log roller renamed the old one and created a new one),
///   the old file is read to its end first (a writer may have added to it until it was renamed),
///   then the new one from its start.
/// - A file cut shorter than what was read (truncated in place) is read again from its start.
/// - The position moves past bytes only when they were taken; refused, they are handed out again.
final class FollowedFiles: Sendable {
    static let shared = FollowedFiles()

    private struct Position {
        /// The file read so far, open; -1 while the path names no file.
        var descriptor: Int32
        var file: FileIdentity?
        var offset: Int

        static let absent = Position(descriptor: -1, file: nil, offset: 0)
    }

    /// Device and inode: which file a path names.
    private struct FileIdentity: Equatable {
        var device: UInt64
        var inode: UInt64

        init(_ info: stat) {
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
        }
    }

    private let positions = Mutex<[String: Position]>([:])

    /// Hands `take` what was written to the file at `path` since the previous call, at most
    /// `limit` bytes, and moves past them when `take` returns true. Returns nil while the path
    /// names no file, else what `take` returned (true when there was nothing to take).
    func follow(_ path: String, upTo limit: Int, take: ([UInt8]) -> Bool) throws(TargetError) -> Bool? {
        try positions.withLock { positions throws(TargetError) -> Bool? in
            guard let known = positions[path] else {
                guard let (descriptor, file, size) = try Self.open(path) else {
                    positions[path] = .absent
                    return nil
                }
                positions[path] = Position(descriptor: descriptor, file: file, offset: size)
                return true
            }
            var next = known
            // Files opened by this call: those not kept are closed before it returns.
            var opened: [Int32] = []
            defer {
                let kept = positions[path]?.descriptor
                for descriptor in opened + [known.descriptor] where descriptor >= 0 && descriptor != kept { close(descriptor) }
            }
            if next.descriptor < 0 {
                guard let (descriptor, file, _) = try Self.open(path) else { return nil }
                opened.append(descriptor)
                next = Position(descriptor: descriptor, file: file, offset: 0)
            }
            var bytes: [UInt8] = []
            if try Self.size(of: next.descriptor, path) < next.offset { next.offset = 0 }
            try Self.read(next.descriptor, from: &next.offset, upTo: limit, into: &bytes, path)
            if bytes.count < limit, try Self.identity(of: path) != next.file {
                // Renamed or removed: written to until then, so read to its end again, then the
                // file the path names now (if any) from its start.
                try Self.read(next.descriptor, from: &next.offset, upTo: limit, into: &bytes, path)
                if bytes.count < limit {
                    if let (descriptor, file, _) = try Self.open(path) {
                        opened.append(descriptor)
                        next = Position(descriptor: descriptor, file: file, offset: 0)
                        try Self.read(next.descriptor, from: &next.offset, upTo: limit, into: &bytes, path)
                    } else {
                        next = .absent
                    }
                }
            }
            let taken = bytes.isEmpty || take(bytes)
            positions[path] = taken ? next : known
            return taken
        }
    }

    /// The file `path` names, open, which file it is and its size; nil when it names none.
    private static func open(_ path: String) throws(TargetError) -> (Int32, FileIdentity, Int)? {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw .failed("cannot open \(path) to follow it: \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw .failed("cannot follow \(path): \(reason)")
        }
        return (descriptor, FileIdentity(info), Int(info.st_size))
    }

    /// Which file `path` names now; nil when none.
    private static func identity(of path: String) throws(TargetError) -> FileIdentity? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw .failed("cannot follow \(path): \(String(cString: strerror(errno)))")
        }
        return FileIdentity(info)
    }

    private static func size(of descriptor: Int32, _ path: String) throws(TargetError) -> Int {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .failed("cannot follow \(path): \(String(cString: strerror(errno)))") }
        return Int(info.st_size)
    }

    /// Appends what the file holds from `offset` on, until `bytes` holds `limit`, and moves `offset` past it.
    private static func read(_ descriptor: Int32, from offset: inout Int, upTo limit: Int, into bytes: inout [UInt8], _ path: String)
        throws(TargetError)
    {
        while bytes.count < limit {
            let wanted = min(limit - bytes.count, 256 << 10)
            let start = bytes.count
            bytes.append(contentsOf: repeatElement(0, count: wanted))
            let count = bytes.withUnsafeMutableBytes { buffer in pread(descriptor, buffer.baseAddress! + start, wanted, off_t(offset)) }
            guard count >= 0 else {
                bytes.removeLast(wanted)
                if errno == EINTR { continue }
                throw .failed("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            bytes.removeLast(wanted - count)
            offset += count
            if count == 0 { return }
        }
    }
}
