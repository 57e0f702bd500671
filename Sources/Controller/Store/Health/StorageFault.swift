/// Why the database cannot take a write now. The API answers it with its own status (507 for a
/// full disk, 503 for a database that cannot be written) and a message saying what to do; reads
/// go on working.
enum StorageFault: Error, Equatable, CustomStringConvertible {
    /// The disk holding the data folder is full.
    case full(folder: String)
    /// The database (or its write-ahead log) cannot be written: read-only, immutable, or failing.
    case notWritable(reason: String)

    var description: String {
        switch self {
        case .full(let folder):
            "the disk holding the controller's data folder (\(folder)) is full: free space there; reads and logins still work"
        case .notWritable(let reason):
            "the controller's database cannot be written (\(reason)); nothing can be saved until it can"
        }
    }
}
