extension Target {
    /// Through one command (GNU `find` printing the mode, then running `sha256sum` on the file)
    /// and a SHA-256 of `contents` made here, so a large file on a remote target is never
    /// fetched to be compared.
    public func fileState(_ path: String, comparedWith contents: [UInt8]) throws(TargetError) -> FileState? {
        let probed = try run(
            TargetCommand(argv: ["find", path, "-maxdepth", "0", "-printf", "%m\\n", "-exec", "sha256sum", "--", "{}", ";"], timeout: .seconds(60)),
            onLine: { _ in }, isCancelled: { false })
        let lines = String(decoding: probed.standardOutput, as: UTF8.self).split(separator: "\n")
        guard probed.exitStatus == 0, lines.count == 2, let mode = UInt32(lines[0].trimmed, radix: 8) else { return nil }
        let digest = try LocalTarget().run(TargetCommand(argv: ["sha256sum"], standardInput: contents), onLine: { _ in }, isCancelled: { false })
        let desired = String(decoding: digest.standardOutput, as: UTF8.self).prefix(64)
        return FileState(sameContents: desired.count == 64 && lines[1].prefix(64) == desired, mode: mode)
    }
}
