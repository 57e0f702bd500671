import Foundation
import Synchronization

/// Keeps writes from failing anonymously, or worse, silently, when the machine's storage
/// misbehaves.
///
/// - Before every write, the database file and its write-ahead log must be writable
///   (`access(2)`: a file made read-only or immutable is refused at the first write, not
///   accepted into a log that can never be checkpointed).
/// - A write that fails because the disk is full marks the store full. A reserve file kept in
///   the data folder is then given back to the disk, so the writes that keep people able to
///   work — logins, refreshes and logouts, marked essential — still go through, while all others
///   are refused at once until free space is back above ``headroom`` (the reserve is then made
///   again).
/// - ``check()`` (a monitor calls it every few seconds) looks at free space and writability,
///   and records a failed checkpoint, so the fault shows, and clears, without a write.
final class StorageGuard: Sendable {
    /// Bytes kept in reserve for essential writes.
    static let reserveBytes: Int64 = 8 << 20
    /// Free bytes that end a full-disk fault.
    static let headroom: Int64 = 16 << 20

    let databasePath: String
    let folder: String
    /// The database could not be written at start and was opened read-only: only a restart
    /// makes it writable again.
    let openedReadOnly: Bool
    private let fault = Mutex<StorageFault?>(nil)

    init(databasePath: String, openedReadOnly: Bool = false) {
        self.databasePath = databasePath
        self.openedReadOnly = openedReadOnly
        folder = (databasePath as NSString).deletingLastPathComponent
        makeReserve()
    }

    var reservePath: String { (folder as NSString).appendingPathComponent(".storage-reserve") }

    /// The fault in force, if any.
    var current: StorageFault? { fault.withLock { $0 } }

    /// Throws the fault that keeps a write from going through now.
    func admit(essential: Bool) throws(StorageFault) {
        if let reason = unwritable() {
            record(.notWritable(reason: reason))
            throw .notWritable(reason: reason)
        }
        guard case .full? = current else {
            if case .notWritable? = current { record(nil) }  // writable again
            return
        }
        if freeBytes() >= Self.headroom {
            record(nil)
            makeReserve()
        } else if !essential {
            throw .full(folder: folder)
        }
    }

    /// The fault a failed write reveals (the engine's error `code`, SQLite's primary result
    /// code), recorded; nil when the error is not about storage.
    func fault(fromResultCode code: Int32, message: String) -> StorageFault? {
        let found: StorageFault
        switch code {
        case 13: found = .full(folder: folder)  // SQLITE_FULL
        case 8, 10, 14, 3: found = .notWritable(reason: message)  // READONLY, IOERR, CANTOPEN, PERM
        default: return nil
        }
        record(found)
        if case .full = found { giveBackReserve() }
        return found
    }

    /// Looks again without a write: free space, writability, and `checkpointError` (what the
    /// last checkpoint of the write-ahead log said, nil when it went through).
    func check(checkpointError: String?) {
        if let reason = unwritable() ?? checkpointError.map({ "its write-ahead log cannot be checkpointed: \($0)" }) {
            record(.notWritable(reason: reason))
        } else if case .notWritable? = current {
            record(nil)
        } else if case .full? = current, freeBytes() >= Self.headroom {
            record(nil)
            makeReserve()
        }
    }

    /// Free bytes on the data folder's file system.
    func freeBytes() -> Int64 {
        var stats = statvfs()
        guard statvfs(folder, &stats) == 0 else { return .max }
        return Int64(stats.f_bavail) * Int64(stats.f_frsize)
    }

    private func record(_ new: StorageFault?) {
        fault.withLock { $0 = new }
    }

    /// Why the database's files cannot be written, or nil when they can.
    private func unwritable() -> String? {
        if openedReadOnly {
            return "\(databasePath) could not be written when the controller started; once it can, restart the controller"
        }
        // One system call per file, before every write: a file that does not exist yet is fine.
        for path in [databasePath, databasePath + "-wal"] where access(path, W_OK) != 0 && errno != ENOENT {
            return "\(path): \(String(cString: strerror(errno)))"
        }
        return nil
    }

    private func makeReserve() {
        guard !FileManager.default.fileExists(atPath: reservePath) else { return }
        let descriptor = open(reservePath, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        if posix_fallocate(descriptor, 0, off_t(Self.reserveBytes)) != 0 { unlink(reservePath) }
    }

    private func giveBackReserve() {
        unlink(reservePath)
    }
}
