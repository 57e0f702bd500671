import FoundationEssentials
import Glibc
import Host

/// What the data plane runs: the last desired state applied, its revision and hash, and each
/// resource's outcome. Kept in the state folder so a restarted agent tells the controller the
/// truth in hello and re-applies it at start (an iptables ruleset does not survive a reboot).
struct AppliedState: Codable, Sendable, Equatable {
    var revision: Int64 = 0
    var hash: String?
    var document: Data?
    var outcomes: [String: ResourceOutcome] = [:]

    /// Whether a desired state of `revision` may replace this one: never an older revision.
    func accepts(revision newRevision: Int64) -> Bool { newRevision >= revision }

    static func load(folder: String) -> AppliedState {
        guard let data = FileManager.default.contents(atPath: path(folder)),
            let state = try? JSONDecoder().decode(AppliedState.self, from: data)
        else { return AppliedState() }
        return state
    }

    /// Writes atomically (a temporary file renamed over the old one), readable by the agent only.
    func save(folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let data = try JSONEncoder().encode(self)
        let temporary = Self.path(folder) + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
        guard rename(temporary, Self.path(folder)) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    private static func path(_ folder: String) -> String { folder + "/applied.json" }
}
