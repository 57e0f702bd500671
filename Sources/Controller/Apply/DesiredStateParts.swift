import Glibc
import JSONCore
import Synchronization

/// Each server's parts of its desired state between builds: every resource's canonical JSON
/// bytes, as of a position in the change journal (`resource_changes`). The next build reads
/// only the resources changed since that position and copies the others' bytes, so a change to
/// one host of 10,000 parses and writes one of them.
///
/// One per database (resource ids and journal positions mean nothing across databases). A
/// server's entry is taken out while a build updates it and put back after, so the build
/// mutates it in place; a build that finds none (another one holds it, or the first build)
/// reads everything.
final class DesiredStateParts: Sendable {
    /// One resource's part.
    struct Part: Sendable {
        /// The stored text it was made from, as UTF-8.
        var stored: [UInt8]
        /// The canonical JSON object, members sorted at every level.
        var bytes: [UInt8]
        /// When the resource was last changed, as stored.
        var modifiedOn: SQLValue
        /// The access list and certificate a served resource uses.
        var accessListID: Int64?
        var certificateID: Int64?

        /// Whether `text` is byte for byte the stored text this part was made from.
        func madeFrom(_ text: UnsafeRawBufferPointer) -> Bool {
            stored.count == text.count && (text.isEmpty || stored.withUnsafeBytes { memcmp($0.baseAddress!, text.baseAddress!, text.count) == 0 })
        }
    }

    /// One server's parts, true to the database as of journal position `position`.
    struct Server: Sendable {
        var position: Int64
        /// The enabled resources it serves, by type.
        var served: [String: ServedList]
        /// The access lists and certificates its served resources used, by id.
        var referenced: [Int64: Part]
    }

    private let servers = Mutex<[Int64: Server]>([:])
    /// The documents built last and before last, any server's. The next build writes into the
    /// memory of the one before last: by then its apply or push is over and nothing else holds
    /// it, and memory already in use costs no page faults (7 MB of fresh memory for 10,000 hosts
    /// cost 4–5 ms of them, a third of a build). When something still holds it, the build takes
    /// fresh memory, as it would without it.
    private let recentDocuments = Mutex<(last: [UInt8], beforeLast: [UInt8])>(([], []))
    /// The `settings` member every server's state carries, and the values it was written from.
    private let settings = Mutex<(values: [String: String], bytes: [UInt8])?>(nil)

    init() {}

    /// Takes server `serverID`'s parts out, for a build to update and ``keep(_:for:)``.
    func take(_ serverID: Int64) -> Server? {
        servers.withLock { $0.removeValue(forKey: serverID) }
    }

    /// Keeps `server` as server `serverID`'s parts.
    func keep(_ server: Server, for serverID: Int64) {
        servers.withLock { $0[serverID] = server }
    }

    /// The memory for the next document: the one built before last, emptied; none when
    /// something still holds that one (emptying it would then take new memory of its size, which
    /// the build is better off taking itself, once it knows the size it needs).
    func documentMemory() -> [UInt8] {
        var memory = recentDocuments.withLock { recent in
            defer { recent.beforeLast = [] }
            return recent.beforeLast
        }
        let address = memory.withUnsafeBufferPointer { $0.baseAddress }
        memory.removeAll(keepingCapacity: true)
        return memory.withUnsafeBufferPointer { $0.baseAddress } == address ? memory : []
    }

    /// Notes `document` as the one built last.
    func noteBuilt(_ document: [UInt8]) {
        recentDocuments.withLock { recent in
            recent.beforeLast = recent.last
            recent.last = document
        }
    }

    /// How many served parts server `serverID` has kept.
    func servedCount(of serverID: Int64) -> Int {
        servers.withLock { $0[serverID]?.served.values.reduce(0) { $0 + $1.count } ?? 0 }
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
