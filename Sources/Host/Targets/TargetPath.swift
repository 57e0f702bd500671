/// Validates paths that plugins ask a target to read or write.
enum TargetPath {
    /// An absolute path without NUL bytes, empty components, `.` or `..`.
    static func validate(_ path: String) throws(TargetError) -> String {
        guard path.hasPrefix("/") else { throw .invalid("path `\(path)` is not absolute") }
        guard !path.utf8.contains(0) else { throw .invalid("path contains a NUL byte") }
        guard path.utf8.count <= 4096 else { throw .invalid("path is longer than 4096 bytes") }
        let components = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard !components.contains(where: { $0 == "." || $0 == ".." }), components.last != "" else {
            throw .invalid("path `\(path)` must not contain `.` or `..` components or end with `/`")
        }
        return path
    }
}
