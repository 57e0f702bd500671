import Glibc
import JSONCore
import Synchronization

/// Each resource's part of a desired state, as the canonical JSON bytes it is written with,
/// kept while the resource's stored text stays the same: after one change, building a server's
/// state of 10,000 resources parses and writes one of them, and copies the others' bytes.
///
/// Keyed by server, resource and whether the part is served (served parts carry
/// `"enabled": true`); a server's parts are replaced by those its latest build used, so deleted
/// resources do not linger. An entry is used only when the stored text is byte for byte the one
/// it was made from, so a stale part is never possible.
final class DesiredStateParts: Sendable {
    /// One resource's part.
    struct Part: Sendable {
        /// The stored text it was made from, as UTF-8.
        var stored: [UInt8]
        /// The canonical JSON object, members sorted at every level.
        var bytes: [UInt8]
        /// The access list and certificate a served resource uses.
        var accessListID: Int64?
        var certificateID: Int64?

        /// Whether `text` is byte for byte the stored text this part was made from.
        func madeFrom(_ text: UnsafeRawBufferPointer) -> Bool {
            stored.count == text.count && (text.isEmpty || stored.withUnsafeBytes { memcmp($0.baseAddress!, text.baseAddress!, text.count) == 0 })
        }
    }

    struct Key: Hashable, Sendable {
        var resourceID: Int64
        var served: Bool
    }

    /// Shared by the local applier and the agent hub: resource ids are unique per database.
    static let shared = DesiredStateParts()

    private let servers = Mutex<[Int64: [Key: Part]]>([:])
    /// The `settings` member every server's state carries, and the values it was written from.
    private let settings = Mutex<(values: [String: String], bytes: [UInt8])?>(nil)

    /// The parts server `serverID` had at its latest build.
    func parts(of serverID: Int64) -> [Key: Part] {
        servers.withLock { $0[serverID] ?? [:] }
    }

    /// Keeps `parts` as the server's, in place of what it had.
    func keep(_ parts: [Key: Part], for serverID: Int64) {
        servers.withLock { $0[serverID] = parts }
    }

    /// The `settings` member for `values`, written once for all servers while they stay the
    /// same: a setting change every server carries is serialized once, not once per server.
    func settingsMember(_ values: [String: String]) -> [UInt8] {
        if let known = settings.withLock({ $0 }), known.values == values { return known.bytes }
        let bytes = JSON.object(values.map { ($0.key, JSON.string($0.value)) }).canonical().serialized()
        settings.withLock { $0 = (values, bytes) }
        return bytes
    }
}
