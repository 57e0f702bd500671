import Glibc

/// Every file and symbolic link under a folder, with its bytes (or link target) and permission
/// bits: what a step may change on a target, compared before and after. Folders themselves are
/// left out, since the host creates missing parent folders and no plugin can remove one.
struct FileTreeSnapshot: Equatable {
    struct Entry: Equatable {
        var mode: UInt32
        var contents: [UInt8]
        var linkTarget: String?
    }

    private(set) var entries: [String: Entry] = [:]

    /// Reads the tree under `root`; paths are kept relative to it, starting with `/`.
    init(of root: String) throws(LocalFileError) {
        try add(folder: root, relative: "")
    }

    private mutating func add(folder: String, relative: String) throws(LocalFileError) {
        for name in try LocalFiles.names(in: folder) {
            let path = folder + "/" + name
            let key = relative + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { throw LocalFileError("cannot read", path) }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                try add(folder: path, relative: key)
            case S_IFLNK:
                entries[key] = Entry(mode: 0, contents: [], linkTarget: LocalFiles.linkTarget(path))
            default:
                entries[key] = Entry(mode: UInt32(info.st_mode & 0o7777), contents: try LocalFiles.read(path) ?? [], linkTarget: nil)
            }
        }
    }

    /// What differs from `earlier`, one phrase per path ("/etc/motd changed"), sorted.
    func differences(from earlier: FileTreeSnapshot) -> [String] {
        var found: [String] = []
        for path in Set(entries.keys).union(earlier.entries.keys).sorted() {
            switch (earlier.entries[path], entries[path]) {
            case (nil, .some): found.append("\(path) was created")
            case (.some, nil): found.append("\(path) was removed")
            case (let before?, let after?) where before.contents != after.contents || before.linkTarget != after.linkTarget:
                found.append("\(path) changed")
            case (let before?, let after?) where before.mode != after.mode:
                found.append("\(path)'s mode went from \(String(before.mode, radix: 8)) to \(String(after.mode, radix: 8))")
            default: break
            }
        }
        return found
    }
}
